package staticbuild

import (
	"context"
	"io"
)

// DefaultPlatforms returns the matrix Cross builds when Config.Platforms is
// empty: linux, darwin and windows on amd64 and arm64.
func DefaultPlatforms() []string {
	return []string{
		"linux/amd64", "linux/arm64",
		"darwin/amd64", "darwin/arm64",
		"windows/amd64", "windows/arm64",
	}
}

// Environment variables that override the configuration, for CI jobs and
// one-off runs. They are read from Config.Environ, in one place, when a run
// starts (New).
const (
	// envPlatforms replaces the matrix with a comma-separated list, such as
	// "linux/amd64,linux/arm64", so a CI job can build part of it.
	envPlatforms = "MAGESTATIC_PLATFORMS"
	// envJobs sets how many go builds run at once.
	envJobs = "MAGESTATIC_JOBS"
	// envSnapshot, set to 1 or true, lets Release build a commit that has no
	// tag, stamping a snapshot version.
	envSnapshot = "MAGESTATIC_SNAPSHOT"
	// envCache names the directory of the binary cache; "off" turns it off.
	envCache = "MAGESTATIC_CACHE"
	// envShard sets Config.Shard, such as "2/4".
	envShard = "MAGESTATIC_SHARD"
	// envMerge sets Config.MergeFrom.
	envMerge = "MAGESTATIC_MERGE"
	// envReport names a file to write the run's JSON report to.
	envReport = "MAGESTATIC_REPORT"
	// envSourceDateEpoch is the build time to stamp, in seconds since 1970,
	// instead of the commit time.
	envSourceDateEpoch = "SOURCE_DATE_EPOCH"
)

// Config is everything the targets need to know about a project. Its zero
// value works for a module with exactly one main package.
type Config struct {
	// Name is the project's name, which starts the archives' names. With
	// no Binaries it also names the one binary. Default: the binary's name
	// when there is one binary, else the last element of the module path.
	Name string
	// Main is the main package of a project with one binary, as go build
	// takes it ("./cmd/app"). Use Binaries for several.
	Main string
	// Binaries are the programs the project ships, each built for every
	// platform of the matrix (or its own subset) and packed together, one
	// archive per platform. Default: the module's only main package or,
	// when it has several, every main package under cmd/.
	Binaries []Binary
	// Dir is the module's root directory. Default: the current directory.
	Dir string
	// Dist is the output directory, relative to Dir. Default: "dist". It
	// must lie inside Dir and not be Dir itself. magestatic writes a
	// .gitignore into it, so its files never make the tree look modified.
	Dist string
	// Output is a text/template for each binary's path inside Dist, with
	// the fields .Name (the binary's), .Project, .OS, .Arch, .Variant,
	// .Platform ("linux_arm_7") and .Ext (".exe" on windows). Default:
	// defaultOutput.
	Output string

	// Platforms is the matrix, as "os/arch" or "os/arch/variant" (GOARM,
	// GOAMD64, ...). Default: DefaultPlatforms(). MAGESTATIC_PLATFORMS
	// replaces it.
	Platforms []string
	// Jobs is how many go builds run at once. Default: defaultJobs.
	// MAGESTATIC_JOBS replaces it.
	Jobs int
	// Go is the go command. Default: "go" from PATH.
	Go string

	// Tags, Flags, Ldflags and Env are added to every build: build tags,
	// go build flags, linker arguments (one element per argument, so
	// "-X", "main.x=a b" needs no quoting) and environment variables
	// ("KEY=value").
	Tags    []string
	Flags   []string
	Ldflags []string
	Env     []string
	// Gcflags is the value of go build's -gcflags, such as "all=-N -l".
	Gcflags string
	// Stamp names variables of the program, besides those of package
	// version, that receive the version, commit and build time.
	Stamp Stamp
	// Cgo is the cgo mode of every platform. Default: CgoOff.
	Cgo CgoMode
	// Strict makes a build that succeeds with a linker warning fail, such
	// as glibc's note that getaddrinfo in a statically linked program still
	// needs the C library's shared objects at run time. Without it, the
	// warnings are printed under the platform's line.
	Strict bool
	// Platform holds settings for one platform ("linux/arm/7") or for every
	// platform of an operating system ("windows"); they add to the ones above.
	Platform map[string]PlatformConfig

	// Size configures SizeGate.
	Size Size
	// Archive configures the archives Release writes.
	Archive Archive
	// Snapshot lets Release build a commit that has no tag.
	// MAGESTATIC_SNAPSHOT=1 sets it.
	Snapshot bool
	// Replace lets Release publish again a version it published before
	// with different bytes. Without it, that is an error naming what
	// changed.
	Replace bool

	// Shard, as "i/n", makes Release build, check and package only the
	// i-th of n parts of the matrix, for one CI job of n, and write a shard
	// manifest that Merge reads. MAGESTATIC_SHARD sets it.
	Shard string
	// MergeFrom is the directory Merge reads the shards from: one
	// directory per shard, or all in one. MAGESTATIC_MERGE sets it.
	// Default: "shards".
	MergeFrom string

	// Steps are the magefile's own steps, run by Release between the
	// built-in ones (see Step).
	Steps []Step `json:"-"`

	// Environ is the environment the run reads its MAGESTATIC_* overrides
	// and SOURCE_DATE_EPOCH from, and gives to the go command. Default:
	// the process's environment (os.Environ), read once when the run
	// starts.
	Environ []string `json:"-"`
	// Cache is the binary cache's directory, or "off". Default: the user
	// cache directory's magestatic/bin; MAGESTATIC_CACHE replaces it.
	Cache string `json:"-"`
	// Log receives the progress lines. Default: os.Stdout.
	Log io.Writer `json:"-"`
	// Verbose prints every command before it runs and the whole output of
	// a failed build. The mage targets set it from mage -v.
	Verbose bool `json:"-"`
}

// Binary is one program of the project. Its lists add to the project's
// (Config.Tags and so on) and to those of Config.Platform; Cgo and Budget,
// when set, replace them.
type Binary struct {
	// Name is the binary's file name, without .exe. Default: the last
	// element of the main package's import path.
	Name string
	// Main is the main package, as go build takes it ("./cmd/server").
	Main string
	// Platforms, when set, builds the binary for these platforms of the
	// matrix only.
	Platforms []string

	Tags    []string
	Flags   []string
	Ldflags []string
	Env     []string
	// Stamp names variables of this binary that receive the stamped values.
	Stamp Stamp
	// Cgo is the binary's cgo mode.
	Cgo CgoMode
	// Budget is the binary's size budget (see Size.Budget).
	Budget string
}

// Step is a step of a release: one of the built-in steps ("build",
// "verify", "sizegate", "archive", "sbom", "checksums", "manifest") or one
// of the magefile's own, which runs after the built-in step After names.
// A step can read and add to the run's artifacts (Run.Add, Run.WriteFile),
// for example to sign each binary. What it adds is listed in the manifest
// and, unless it is a binary, in the checksum file.
type Step struct {
	// Name names the step in the progress lines.
	Name string
	// After is the built-in step it follows.
	After string
	// Run does the work.
	Run func(ctx context.Context, r *Run) error
	// Check, if set, checks the step's settings before anything builds,
	// when the version, commit and build time are known but no artifact
	// is: a release whose step would fail for a missing key or a bad
	// field fails at once, with every such error, and writes nothing.
	// It may ask a server (a registry, a forge) and must return when ctx
	// is done.
	Check func(ctx context.Context, r *Run) error
	// Key is what the step's output depends on besides the artifacts it
	// reads, such as its own settings, as any string: a release with
	// nothing changed is not run again, so a step whose settings change
	// must change its Key.
	Key string
	// Whole marks a step that needs the whole release, such as one that
	// builds a multi-platform image: in a release built in shards it runs
	// in Merge, after Verify, instead of in each shard. A step After
	// "checksums" runs in Merge after the checksum file is written, and in
	// no shard.
	Whole bool

	run    func(ctx context.Context, r *Run) (note string, err error) // a built-in step's work
	stands []string                                                   // the steps whose followers run after this one (see taking)
}

// defaultOutput is the default Config.Output.
const defaultOutput = "{{.Name}}_{{.Platform}}/{{.Name}}{{.Ext}}"

// Stamp names the variables that receive the stamped values with -X, such
// as "main.version". The version package's variables always receive them
// when the program imports it.
type Stamp struct {
	// Version names the variables that receive the version, as the tag
	// has it ("v1.2.3").
	Version []string
	// Commit names the variables that receive the full commit hash.
	Commit []string
	// Time names the variables that receive the build time, in RFC 3339
	// UTC.
	Time []string
	// TrimV stamps the Version variables with the version without its
	// leading "v" ("1.2.3" for the tag v1.2.3), for a program that
	// prints its own "v" before it. Set in Config.Stamp it applies to
	// every binary, in a Binary's Stamp to that binary. The version
	// package's variables keep the tag's version.
	TrimV bool `json:",omitempty"`
}

// CgoMode says whether and how a build uses cgo.
type CgoMode string

// The cgo modes.
const (
	// CgoOff builds with CGO_ENABLED=0: pure Go, static. The default.
	CgoOff CgoMode = "off"
	// CgoStatic builds with CGO_ENABLED=1, links externally with -static
	// and adds the netgo and osusergo tags.
	CgoStatic CgoMode = "static"
	// CgoStaticPIE is CgoStatic with -static-pie.
	CgoStaticPIE CgoMode = "static-pie"
	// CgoDynamic builds with CGO_ENABLED=1 and links the C library
	// dynamically. Verify fails such binaries.
	CgoDynamic CgoMode = "dynamic"
)

// PlatformConfig is what one platform or operating system adds to Config,
// for every binary.
type PlatformConfig struct {
	Tags    []string
	Flags   []string
	Ldflags []string
	Env     []string
	// Cgo replaces Config.Cgo for the platform.
	Cgo CgoMode
	// CC and CXX are the C and C++ compilers for cgo builds. Default: the
	// Debian cross compiler for the platform.
	CC  string
	CXX string
	// Budget replaces Size.Budget for the platform.
	Budget string
}

// Size configures SizeGate.
type Size struct {
	// Budget is the largest a binary may be, written as people write sizes:
	// "50MB", "48MiB", "1.5 GB" or plain bytes. Empty: no limit.
	Budget string
	// MaxGrowth is how much a binary may grow over its baseline: "5%",
	// "512KiB", or both separated by a comma, such as "5%,1MB" (both must
	// hold).
	// Empty: growth is not limited.
	MaxGrowth string
	// Baseline is the baseline file, relative to Dir. Default:
	// "magestatic-sizes.json". It is written only by the SizeBaseline
	// target.
	Baseline string
	// Top is how many packages the baseline records per platform, the rest
	// summed as "other". Default: 25.
	Top int
}

// Archive configures Release's archives.
type Archive struct {
	// Formats maps a GOOS to its archive format, "tar.gz" or "zip".
	// Default: zip for windows, tar.gz for the rest.
	Formats map[string]string
	// Files are added to every archive beside the binary, as paths relative
	// to Dir, or globs (path.Match's syntax, with "**" for any number of
	// directories, such as "completion/**/*"), whose matches are added in
	// order of their paths. A listed file that is missing, or a glob that
	// matches nothing, is an error. Default: the README, LICENSE and
	// CHANGELOG files that exist (any extension).
	Files []string
	// Checksums is the name of the checksum file. Default: "SHA256SUMS".
	Checksums string
	// Name is a text/template for an archive's name without its
	// extension, with the fields .Name (the project's), .Version (without
	// a leading v), .Tag, .OS, .Arch, .Variant and .Platform
	// ("linux_armv7", as GoReleaser spells it). Default: defaultArchiveName.
	Name string
	// Dir, when set, is a template (same fields) for a directory inside
	// each archive that holds its files, such as "{{.Name}}" for app/.
	Dir string
}

// defaultArchiveName is the default Archive.Name.
const defaultArchiveName = "{{.Name}}_{{.Version}}_{{.Platform}}"
