package engine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/magestatic/magestatic/staticbuild/internal/gobuild"
	"github.com/magestatic/magestatic/staticbuild/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// VersionPackage is the import path of the package whose variables receive
// the stamped values.
const VersionPackage = "github.com/magestatic/magestatic/version"

// plan is a Config with every default filled in and every field checked.
type plan struct {
	cfg       Config
	dir       string // absolute module root
	dist      string // absolute output directory
	module    string // module path
	pkg       string // main package import path
	stampsVer bool   // the main package imports VersionPackage
	platforms []platform.Platform
	jobs      int
	log       io.Writer
	stamp     stamp.Stamp // what git says about the source
	fp        string      // fingerprint of the inputs besides the configuration
	state     *state      // what the last run left in dist
	cache     binCache    // binaries built before, by key
}

// newPlan checks cfg and fills in its defaults. It runs go list once, but
// builds nothing; every mistake in the configuration is reported here,
// naming the field.
func newPlan(ctx context.Context, cfg Config) (*plan, error) {
	p := &plan{cfg: cfg, log: cfg.Log, cache: openBinCache()}
	if p.log == nil {
		p.log = os.Stdout
	}
	if p.cfg.Go == "" {
		p.cfg.Go = "go"
	}
	if _, err := exec.LookPath(p.cfg.Go); err != nil {
		return nil, fmt.Errorf("the go command %q is not on PATH: install Go (https://go.dev/dl) or set Config.Go: %w", p.cfg.Go, err)
	}
	dir := cfg.Dir
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("Config.Dir %q: %w", cfg.Dir, err)
	}
	p.dir = abs
	if err := p.setDist(); err != nil {
		return nil, err
	}
	if err := p.setPlatforms(); err != nil {
		return nil, err
	}
	if err := p.setJobs(); err != nil {
		return nil, err
	}
	if err := p.readSource(ctx); err != nil {
		return nil, err
	}
	if err := p.setMain(ctx); err != nil {
		return nil, err
	}
	if p.cfg.Name == "" {
		p.cfg.Name = path.Base(p.pkg)
		if p.pkg == p.module {
			p.cfg.Name = path.Base(strings.TrimSuffix(p.module, "/v"+majorSuffix(p.module)))
		}
	}
	if strings.ContainsAny(p.cfg.Name, `/\`) || p.cfg.Name == "." || p.cfg.Name == ".." {
		return nil, fmt.Errorf("Config.Name %q: want a file name, without slashes", p.cfg.Name)
	}
	if p.cfg.Cgo == "" {
		p.cfg.Cgo = CgoOff
	}
	if err := checkCgo("Config.Cgo", p.cfg.Cgo); err != nil {
		return nil, err
	}
	for key, pc := range p.cfg.Platform {
		if err := checkPlatformKey(key); err != nil {
			return nil, err
		}
		if pc.Cgo != "" {
			if err := checkCgo(fmt.Sprintf("Config.Platform[%q].Cgo", key), pc.Cgo); err != nil {
				return nil, err
			}
		}
	}
	if err := p.checkOutputs(); err != nil {
		return nil, err
	}
	if err := p.checkLdflags(); err != nil {
		return nil, err
	}
	for goos := range p.cfg.Archive.Formats {
		if _, err := p.archiveFormat(goos); err != nil {
			return nil, err
		}
	}
	if err := p.checkCompilers(); err != nil {
		return nil, err
	}
	if err := p.checkLimits(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *plan) setDist() error {
	d := p.cfg.Dist
	if d == "" {
		d = "dist"
	}
	dist := d
	if !filepath.IsAbs(dist) {
		dist = filepath.Join(p.dir, dist)
	}
	dist = filepath.Clean(dist)
	rel, err := filepath.Rel(p.dir, dist)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("Config.Dist %q: the output directory must be a directory inside the project (%s), not the project itself or outside it", d, p.dir)
	}
	p.dist = dist
	return nil
}

func (p *plan) setPlatforms() error {
	list, field := p.cfg.Platforms, "Config.Platforms"
	if env := strings.TrimSpace(os.Getenv(EnvPlatforms)); env != "" {
		list, field = strings.Split(env, ","), EnvPlatforms
	} else if len(list) == 0 {
		list = DefaultPlatforms()
	}
	ps, err := platform.ParseList(list)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	if len(ps) == 0 {
		return fmt.Errorf("%s: no platforms", field)
	}
	p.platforms = ps
	return nil
}

func (p *plan) setJobs() error {
	p.jobs = p.cfg.Jobs
	if env := os.Getenv(EnvJobs); env != "" {
		n, err := strconv.Atoi(env)
		if err != nil || n < 1 {
			return fmt.Errorf("%s=%q: want a whole number of at least 1", EnvJobs, env)
		}
		p.jobs = n
	}
	if p.jobs < 0 {
		return fmt.Errorf("Config.Jobs %d: want 0 (the default) or more", p.jobs)
	}
	if p.jobs == 0 {
		p.jobs = DefaultJobs()
	}
	return nil
}

// DefaultJobs is how many go builds run at once when Config.Jobs is zero:
// one per CPU. Each go build compiles packages in parallel itself, so more
// processes than CPUs only add scheduling cost.
func DefaultJobs() int { return runtime.NumCPU() }

// readSource reads the version from git and fingerprints the inputs. An
// existing output directory gets its .gitignore first, so that it cannot
// make the tree look modified.
func (p *plan) readSource(ctx context.Context) error {
	if fi, err := os.Stat(p.dist); err == nil && fi.IsDir() {
		if err := ignoreDir(p.dist); err != nil {
			return err
		}
	}
	st, err := stamp.Read(ctx, p.dir, os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return fmt.Errorf("reading the version from git: %w", err)
	}
	p.stamp = st
	if p.fp, err = p.fingerprint(st); err != nil {
		return err
	}
	p.state = readState(p.dist)
	return nil
}

// setMain finds the main package with go list and checks that it is one.
// The answer is kept in the state, by the fingerprint of the inputs, so a
// run with nothing to do runs no go command.
func (p *plan) setMain(ctx context.Context) error {
	key := hashStrings(p.fp, p.cfg.Main)
	if m := p.state.Main; m != nil && m.Key == key {
		p.pkg, p.module, p.stampsVer = m.Package, m.Module, m.StampsVer
		if p.cfg.Main == "" {
			p.cfg.Main = p.pkg
		}
		return nil
	}
	if err := p.checkCache(ctx); err != nil {
		return err
	}
	if err := p.listMain(ctx); err != nil {
		return err
	}
	p.state.Main = &mainInfo{Key: key, Package: p.pkg, Module: p.module, StampsVer: p.stampsVer}
	return nil
}

// listMain asks go list for the main package.
func (p *plan) listMain(ctx context.Context) error {
	pattern, field := p.cfg.Main, "Config.Main"
	if pattern == "" {
		pattern, field = "./...", "the module"
	}
	const format = "{{.Name}}\t{{.ImportPath}}\t{{with .Module}}{{.Path}}{{end}}\t{{join .Deps \",\"}}\t{{.Incomplete}}"
	args := []string{"list", "-f", format, pattern}
	out, err := p.goOutput(ctx, args...)
	if err != nil {
		return fmt.Errorf("%s %q: %w", field, pattern, err)
	}
	var mains [][]string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 5 && f[0] == "main" {
			mains = append(mains, f)
		}
	}
	switch {
	case len(mains) == 0 && p.cfg.Main != "":
		return fmt.Errorf("Config.Main %q is not a main package (package main with func main)", p.cfg.Main)
	case len(mains) == 0:
		return fmt.Errorf("no main package in the module at %s: add one, or set Config.Main", p.dir)
	case len(mains) > 1:
		var names []string
		for _, m := range mains {
			names = append(names, m[1])
		}
		return fmt.Errorf("%s %q has %d main packages (%s): set Config.Main to the one to build", field, pattern, len(mains), strings.Join(names, ", "))
	}
	m := mains[0]
	if m[4] == "true" {
		// go list exits 0 when a dependency cannot be loaded, such as a
		// module that cannot be downloaded; every build would fail on it.
		return fmt.Errorf("%s %q: the main package %s cannot be loaded, so nothing can be built:\n%s", field, pattern, m[1], p.loadErrors(ctx, m[1]))
	}
	p.pkg, p.module = m[1], m[2]
	p.stampsVer = slices.Contains(strings.Split(m[3], ","), VersionPackage)
	if p.cfg.Main == "" {
		p.cfg.Main = p.pkg
	}
	return nil
}

// loadErrors asks go list why a package cannot be loaded, and returns one
// line per error, each with the chain of imports and the position of the
// import that fails.
func (p *plan) loadErrors(ctx context.Context, pkg string) string {
	out, err := p.goOutput(ctx, "list", "-e", "-json=ImportPath,Error,DepsErrors", pkg)
	if err != nil {
		return err.Error()
	}
	var info struct {
		ImportPath string
		Error      *struct{ Err string }
		DepsErrors []struct {
			ImportStack []string
			Pos         string
			Err         string
		}
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		return fmt.Sprintf("reading go list -json: %v", err)
	}
	var lines []string
	if info.Error != nil {
		lines = append(lines, "    "+info.ImportPath+": "+info.Error.Err)
	}
	for _, e := range info.DepsErrors {
		where := strings.Join(e.ImportStack, " imports ")
		if e.Pos != "" {
			where += " (" + e.Pos + ")"
		}
		lines = append(lines, "    "+where+": "+e.Err)
	}
	return strings.Join(lines, "\n")
}

// goOutput runs the go command in the module with the build environment of
// the host and returns its standard output.
func (p *plan) goOutput(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, p.cfg.Go, args...)
	cmd.Dir = p.dir
	host := gobuild.Job{Platform: platform.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}}
	cmd.Env = host.Environ(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.ExitError
		if errors.As(err, &ee) && msg != "" {
			return "", fmt.Errorf("go %s: %s", args[0], msg)
		}
		return "", fmt.Errorf("go %s: %w: %s", args[0], err, msg)
	}
	return string(out), nil
}

// settings returns the configuration of one platform: the project's, then
// the operating system's, then the platform's own.
func (p *plan) settings(pl platform.Platform) PlatformConfig {
	s := PlatformConfig{
		Tags:    slices.Clone(p.cfg.Tags),
		Flags:   slices.Clone(p.cfg.Flags),
		Ldflags: slices.Clone(p.cfg.Ldflags),
		Env:     slices.Clone(p.cfg.Env),
		Cgo:     p.cfg.Cgo,
		Budget:  p.cfg.Size.Budget,
	}
	keys := []string{pl.OS, pl.Pair()}
	if pl.Variant != "" {
		keys = append(keys, pl.String())
	}
	for _, key := range keys {
		o, ok := p.cfg.Platform[key]
		if !ok {
			continue
		}
		s.Tags = append(s.Tags, o.Tags...)
		s.Flags = append(s.Flags, o.Flags...)
		s.Ldflags = append(s.Ldflags, o.Ldflags...)
		s.Env = append(s.Env, o.Env...)
		s.Cgo = cmp.Or(o.Cgo, s.Cgo)
		s.CC = cmp.Or(o.CC, s.CC)
		s.CXX = cmp.Or(o.CXX, s.CXX)
		s.Budget = cmp.Or(o.Budget, s.Budget)
	}
	return s
}

// output returns the binary's path for a platform, relative to dist, with
// forward slashes.
func (p *plan) output(pl platform.Platform) (string, error) {
	tmpl := p.cfg.Output
	if tmpl == "" {
		tmpl = DefaultOutput
	}
	t, err := template.New("output").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("Config.Output %q: %w", tmpl, err)
	}
	var b strings.Builder
	err = t.Execute(&b, map[string]string{
		"Name": p.cfg.Name, "OS": pl.OS, "Arch": pl.Arch, "Variant": pl.Variant,
		"Platform": pl.Suffix(), "Ext": pl.Ext(),
	})
	if err != nil {
		return "", fmt.Errorf("Config.Output %q: %w", tmpl, err)
	}
	out := path.Clean(filepath.ToSlash(b.String()))
	if out == "." || path.IsAbs(out) || out == ".." || strings.HasPrefix(out, "../") || strings.HasPrefix(path.Base(out), ".") {
		return "", fmt.Errorf("Config.Output %q gives %q for %s: want a relative path inside the output directory, not starting with a dot", tmpl, b.String(), pl)
	}
	return out, nil
}

// checkOutputs rejects a template that maps two platforms to one path.
func (p *plan) checkOutputs() error {
	seen := map[string]platform.Platform{}
	for _, pl := range p.platforms {
		out, err := p.output(pl)
		if err != nil {
			return err
		}
		if other, ok := seen[out]; ok {
			return fmt.Errorf("Config.Output maps both %s and %s to %s: add {{.Platform}} to the template", other, pl, out)
		}
		seen[out] = pl
	}
	return nil
}

// checkLdflags rejects a linker argument that cannot be passed through
// -ldflags, before any build fails on it.
func (p *plan) checkLdflags() error {
	if _, err := gobuild.JoinLdflags(p.cfg.Ldflags); err != nil {
		return fmt.Errorf("Config.Ldflags: %w", err)
	}
	for key, pc := range p.cfg.Platform {
		if _, err := gobuild.JoinLdflags(pc.Ldflags); err != nil {
			return fmt.Errorf("Config.Platform[%q].Ldflags: %w", key, err)
		}
	}
	return nil
}

func checkCgo(field string, m CgoMode) error {
	switch m {
	case CgoOff, CgoStatic, CgoStaticPIE, CgoDynamic:
		return nil
	}
	return fmt.Errorf("%s %q: want %q, %q, %q or %q", field, m, CgoOff, CgoStatic, CgoStaticPIE, CgoDynamic)
}

func checkPlatformKey(key string) error {
	if !strings.Contains(key, "/") {
		if key == "" {
			return fmt.Errorf("Config.Platform has an empty key: want a GOOS or a platform such as linux/arm/7")
		}
		return nil
	}
	if _, err := platform.Parse(key); err != nil {
		return fmt.Errorf("Config.Platform[%q]: %w", key, err)
	}
	return nil
}

// majorSuffix returns "2" for a module path ending in "/v2", else "".
func majorSuffix(module string) string {
	i := strings.LastIndex(module, "/v")
	if i < 0 {
		return ""
	}
	n := module[i+2:]
	if _, err := strconv.Atoi(n); err != nil {
		return ""
	}
	return n
}
