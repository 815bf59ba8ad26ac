# read.rb loads a cask or a formula written by the homebrew step with
# stub methods in place of Homebrew's DSL, as Homebrew would on the
# system and CPU given by the OS (macos or linux) and ARCH (arm or intel)
# environment variables, and prints what it declares as JSON.
require "json"

$out = { "binaries" => [], "depends_on" => [] }

module Stubs
  def on_macos = (yield if ENV["OS"] == "macos")
  def on_linux = (yield if ENV["OS"] == "linux")
  def on_arm = (yield if ENV["ARCH"] == "arm")
  def on_intel = (yield if ENV["ARCH"] == "intel")
  def version(v) = ($out["version"] = v)
  def sha256(v) = ($out["sha256"] = v)
  def url(v, **) = ($out["url"] = v)
  def desc(v) = ($out["desc"] = v)
  def homepage(v) = ($out["homepage"] = v)
  def name(v) = ($out["name"] = v)
  def license(v) = ($out["license"] = v)
  def binary(p, **) = ($out["binaries"] << p)
  def depends_on(arg) = ($out["depends_on"] << arg.map { |k, v| "#{k}: #{v.inspect}" }.join(", "))
  def livecheck(&) = ($out["livecheck"] = true)
  def test(&) = ($out["test"] = true)
end

class CaskDSL
  include Stubs
end

def cask(token, &blk)
  $out["token"] = token
  CaskDSL.new.instance_eval(&blk)
end

class Formula
  extend Stubs

  class Bin
    def install(*paths) = ($out["binaries"].concat(paths))
  end

  def bin = Bin.new
end

before = Formula.subclasses
load ARGV[0]
(Formula.subclasses - before).each do |f|
  $out["class"] = Module.instance_method(:name).bind_call(f) # Stubs#name hides Class#name
  f.new.install
end
puts JSON.generate($out)
