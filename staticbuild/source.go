package staticbuild

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// versionPackage is the import path of the package whose variables receive
// the stamped values.
const versionPackage = "github.com/magestatic/magestatic/version"

// source is what a run learns from the project's files, git and the go
// command before it builds.
type source struct {
	stamp   stamp.Stamp
	keys    keys // fingerprints of the inputs besides the configuration
	module  string
	project string // the project's name, which starts the archives' names
	targets []*target

	cacheChecked bool // the go command's build cache was found writable
}

// target is one binary of the project with its main package resolved.
type target struct {
	Binary
	pkg       string // import path of the main package
	stampsVer bool   // the main package imports versionPackage
	plugin    bool   // the program imports package plugin
	platforms []platform.Platform
}

// loadSource reads the version from git, fingerprints the inputs, finds
// the main packages and checks what needs them. It runs once per run and
// writes nothing, so that a mistake leaves no trace. The directories in
// exclude are not part of the source: git's changes there do not count.
func (r *Run) loadSource(ctx context.Context, exclude ...string) error {
	if r.src != nil {
		return nil
	}
	if _, err := exec.LookPath(r.Config.Go); err != nil {
		return fmt.Errorf("the go command %q is not on PATH: install Go (https://go.dev/dl) or set Config.Go: %w", r.Config.Go, err)
	}
	if err := ignoreDir(r.Dist); err != nil {
		return err
	}
	memo := r.tx.state.Stamp
	if memo == nil {
		memo = &stamp.Memo{}
		r.tx.state.Stamp = memo
	}
	before := memo.Key
	st, err := stamp.ReadMemo(ctx, r.Dir, r.env.sde, r.env.vars, memo, exclude...)
	if err != nil {
		return fmt.Errorf("reading the version from git: %w", err)
	}
	if memo.Key != before {
		// A run with nothing to do writes the state for the memo too.
		r.tx.state.refreshed = true
	}
	if r.env.sde == "" {
		// SOURCE_DATE_EPOCH was checked by New; the commit time is
		// checked here, before anything builds.
		if err := checkCommitTime(st.Time); err != nil {
			return err
		}
	}
	// A tree with uncommitted changes or without a tag is refused, but
	// the rest is checked too, so that every mistake is reported at once.
	var errs []string
	if r.release {
		var err error
		if st, err = releaseStamp(st, r.Config.Snapshot, r.env.sde != "", r.Dir); err != nil && (!st.Git || st.NoCommits) {
			return err
		} else if err != nil {
			errs = append(errs, err.Error())
		} else if err := stamp.CheckVersion(st.Version); err != nil {
			errs = append(errs, "release: "+err.Error())
		}
	}
	src := &source{stamp: st}
	if src.keys, err = fingerprint(r.goTool(), r.Dist, r.env.goenv, st); err != nil {
		return errlist.Messages(append(errs, err.Error()))
	}
	if err := findTargets(ctx, r, src); err != nil {
		return errlist.Messages(append(errs, err.Error()))
	}
	r.src = src
	r.Version, r.Commit, r.Time = st.Version, st.Commit, st.Time
	r.Tag = st.Tag
	if r.Config.Snapshot {
		r.Tag = ""
	}
	errs = append(errs, checkOutputs(r)...)
	errs = append(errs, checkCompilers(r)...)
	errs = append(errs, checkPlugins(ctx, r)...)
	errs = append(errs, checkSteps(ctx, r)...)
	if len(errs) == 0 {
		return nil
	}
	// An unknown platform is otherwise found when the build starts; with
	// other mistakes to report, it is reported with them.
	if tc, err := r.toolchain(ctx, src.keys.tool); err != nil {
		errs = append(errs, err.Error())
	} else if err := checkPorts(tc.Ports, r.platforms, r.MatrixFrom()); err != nil {
		errs = append(errs, err.Error())
	}
	r.src = nil
	return errlist.Messages(errs)
}

// mainInfo is what go list said about one main package, kept in the state
// by the fingerprint so that a run with nothing to do runs no go command.
type mainInfo struct {
	Main      string `json:"main"`
	Package   string `json:"package"`
	Module    string `json:"module"`
	StampsVer bool   `json:"stampsVersion,omitempty"`
	Plugin    bool   `json:"plugin,omitempty"`
}

// findTargets resolves the binaries: the configured ones, or the main
// packages the module has (see mainInfos).
func findTargets(ctx context.Context, r *Run, src *source) error {
	specs := r.Config.Binaries
	if len(specs) == 0 && r.Config.Main != "" {
		specs = []Binary{{Name: r.Config.Name, Main: r.Config.Main}}
	}
	var mains []string
	for _, b := range specs {
		mains = append(mains, b.Main)
	}
	infos, err := mainInfos(ctx, r, src, mains)
	if err != nil {
		return err
	}
	if len(specs) == 0 {
		for _, m := range infos {
			specs = append(specs, Binary{Main: m.Main})
		}
		if len(specs) == 1 {
			specs[0].Name = r.Config.Name // Config.Name names the one binary
		}
	}
	for i, b := range specs {
		m := infos[i]
		t := &target{Binary: b, pkg: m.Package, stampsVer: m.StampsVer, plugin: m.Plugin}
		src.module = m.Module
		if t.Name == "" {
			t.Name = path.Base(t.pkg)
			if t.pkg == m.Module {
				t.Name = moduleBase(m.Module)
			}
		}
		t.platforms = r.platforms
		if len(b.Platforms) > 0 {
			t.platforms = nil
			for _, s := range b.Platforms {
				if pl, err := platform.Parse(s); err == nil && slices.Contains(r.platforms, pl) {
					t.platforms = append(t.platforms, pl)
				}
			}
		}
		src.targets = append(src.targets, t)
	}
	seen := map[string]string{}
	for _, t := range src.targets {
		if other, ok := seen[t.Name]; ok {
			return fmt.Errorf("the main packages %s and %s both make a binary named %q: name them in Config.Binaries", other, t.pkg, t.Name)
		}
		seen[t.Name] = t.pkg
	}
	src.project = r.Config.Name
	if src.project == "" {
		src.project = moduleBase(src.module)
		if len(src.targets) == 1 {
			src.project = src.targets[0].Name
		}
	}
	return nil
}

// mainInfos returns what go list says about the main packages mains, or
// the module's when mains is empty. The answer is kept in the state by
// two keys: the source's fingerprint, so that a run with nothing to do
// computes nothing more, and its shape (see shape), so that a run after an
// edit of functions' bodies runs no go command before it builds.
func mainInfos(ctx context.Context, r *Run, src *source, mains []string) ([]mainInfo, error) {
	st := r.tx.state
	key := hashStrings(append([]string{"mains 2", src.keys.fp}, mains...)...)
	if st.MainsKey == key {
		return st.Mains, nil
	}
	sh, err := shape(r.Dir, r.Dist, src.keys)
	if err != nil {
		return nil, err
	}
	shapeKey := hashStrings(append([]string{"mains shape 1", sh}, mains...)...)
	if st.MainsShape != shapeKey {
		tc, err := r.toolchain(ctx, src.keys.tool)
		if err != nil {
			return nil, err
		}
		if err := checkCache(tc.GoCache); err != nil {
			return nil, err
		}
		src.cacheChecked = true
		field := "Config.Binaries"
		if r.Config.Main != "" {
			field = "Config.Main"
		}
		infos, err := listMains(ctx, r.goTool(), mains, field, r.Logf)
		if err != nil {
			return nil, err
		}
		st.Mains = infos
	}
	st.MainsKey, st.MainsShape = key, shapeKey
	return st.Mains, nil
}

// listedPkg is what go list says about a package.
type listedPkg struct {
	dir, name, path, module string
	deps                    []string
	incomplete              bool
}

// listPackages runs go list on patterns.
func (g goTool) listPackages(ctx context.Context, patterns []string) ([]listedPkg, error) {
	const format = "{{.Dir}}\t{{.Name}}\t{{.ImportPath}}\t{{with .Module}}{{.Path}}{{end}}\t{{join .Deps \",\"}}\t{{.Incomplete}}"
	out, err := g.output(ctx, append([]string{"list", "-f", format}, patterns...)...)
	if err != nil {
		return nil, err
	}
	var pkgs []listedPkg
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 6 {
			pkgs = append(pkgs, listedPkg{f[0], f[1], f[2], f[3], strings.Split(f[4], ","), f[5] == "true"})
		}
	}
	return pkgs, nil
}

// listMains asks go list about the main packages: the given ones, in
// order, named in errors as field, or, when none is given, the module's
// (see moduleMains).
func listMains(ctx context.Context, g goTool, mains []string, field string, logf func(string, ...any)) ([]mainInfo, error) {
	patterns := mains
	if len(mains) == 0 {
		patterns, field = []string{"./..."}, "the module"
	}
	pkgs, err := g.listPackages(ctx, patterns)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w", field, strings.Join(patterns, " "), err)
	}
	info := func(p listedPkg, main string) (mainInfo, error) {
		if p.name != "main" {
			return mainInfo{}, fmt.Errorf("%s: %s is not a main package (package main with func main)", field, main)
		}
		if p.incomplete {
			// go list exits 0 when a dependency cannot be loaded, such as
			// a module that cannot be downloaded; every build would fail.
			return mainInfo{}, fmt.Errorf("%s: the main package %s cannot be loaded, so nothing can be built:\n%s", field, p.path, g.loadErrors(ctx, p.path))
		}
		return mainInfo{Main: main, Package: p.path, Module: p.module,
			StampsVer: slices.Contains(p.deps, versionPackage), Plugin: slices.Contains(p.deps, "plugin")}, nil
	}
	var infos []mainInfo
	if len(mains) > 0 {
		for _, m := range mains {
			i := slices.IndexFunc(pkgs, func(p listedPkg) bool { return p.path == m || p.dir == filepath.Join(g.dir, m) })
			if i < 0 {
				return nil, fmt.Errorf("%s: go list did not report %s: check the path", field, m)
			}
			mi, err := info(pkgs[i], m)
			if err != nil {
				return nil, err
			}
			infos = append(infos, mi)
		}
		return infos, nil
	}
	pick, left, err := moduleMains(g.dir, pkgs)
	if err != nil {
		return nil, err
	}
	if len(left) > 0 {
		logf("building the main packages under cmd/; not %s (list every binary in Config.Binaries to build it too)\n", strings.Join(left, ", "))
	}
	for _, p := range pick {
		rel, _ := filepath.Rel(g.dir, p.dir)
		mi, err := info(p, "./"+filepath.ToSlash(rel))
		if err != nil {
			return nil, err
		}
		infos = append(infos, mi)
	}
	return infos, nil
}

// moduleMains picks the module's binaries from its packages, pkgs: its
// only main package or, when it has several, those under cmd/, and
// returns the import paths of the main packages it leaves out. Mage's own
// files never count: the magefiles directory, and files with the mage
// build tag, which go list leaves out. It fails when the module at dir has
// no main package, or several and none under cmd/.
func moduleMains(dir string, pkgs []listedPkg) (pick []listedPkg, left []string, err error) {
	var all, cmd []listedPkg
	magefiles := filepath.Join(dir, "magefiles")
	for _, p := range pkgs {
		if p.name != "main" || p.dir == magefiles || strings.HasPrefix(p.dir, magefiles+string(filepath.Separator)) {
			continue
		}
		all = append(all, p)
		if rel, err := filepath.Rel(dir, p.dir); err == nil && strings.HasPrefix(filepath.ToSlash(rel), "cmd/") {
			cmd = append(cmd, p)
		}
	}
	switch {
	case len(all) == 0:
		return nil, nil, fmt.Errorf("no main package in the module at %s: add one, or set Config.Binaries", dir)
	case len(all) == 1:
		return all, nil, nil
	case len(cmd) == 0:
		var names, lines []string
		for _, p := range all {
			rel, _ := filepath.Rel(dir, p.dir)
			names = append(names, p.path)
			lines = append(lines, fmt.Sprintf("\t\t{Main: \"./%s\"},", filepath.ToSlash(rel)))
		}
		return nil, nil, fmt.Errorf("the module has %d main packages (%s) and none under cmd/: say which to build in the magefile:\n\tstaticbuild.Project.Binaries = []staticbuild.Binary{\n%s\n\t}", len(all), strings.Join(names, ", "), strings.Join(lines, "\n"))
	}
	for _, p := range all {
		if !slices.ContainsFunc(cmd, func(c listedPkg) bool { return c.path == p.path }) {
			left = append(left, p.path)
		}
	}
	return cmd, left, nil
}

// loadErrors asks go list why a package cannot be loaded, and returns one
// line per error, each with the chain of imports and the position of the
// import that fails.
func (g goTool) loadErrors(ctx context.Context, pkg string) string {
	out, err := g.output(ctx, "list", "-e", "-json=ImportPath,Error,DepsErrors", pkg)
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

// checkPlugins refuses a pure-Go or static build of a program that
// imports package plugin, which needs cgo and dynamic linking: such a
// binary builds and passes Verify, then fails at run time.
func checkPlugins(ctx context.Context, r *Run) []string {
	var errs []string
	for _, t := range r.src.targets {
		if !t.plugin {
			continue
		}
		var bad []string
		for _, pl := range t.platforms {
			if settingsFor(r.Config, t, pl).Cgo != CgoDynamic {
				bad = append(bad, pl.String())
			}
		}
		if len(bad) > 0 {
			errs = append(errs, fmt.Sprintf("%s: %s imports package plugin (%s), which needs cgo and dynamic linking, so the %s build for %s would fail at run time with \"plugin: not implemented\": remove the import, or set the binary's Cgo to CgoDynamic",
				t.Name, t.pkg, r.goTool().pluginImporters(ctx, t.pkg), cmp.Or(string(settingsFor(r.Config, t, t.platforms[0]).Cgo), "off"), strings.Join(bad, ", ")))
		}
	}
	return errs
}

// pluginImporters names the packages of pkg's program that import plugin.
func (g goTool) pluginImporters(ctx context.Context, pkg string) string {
	out, err := g.output(ctx, "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", pkg)
	if err != nil {
		return "imported by a dependency"
	}
	var by []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && slices.Contains(f[1:], "plugin") {
			by = append(by, f[0])
		}
	}
	return "imported by " + strings.Join(by, ", ")
}

// hostEnv is vars without the variables that would point the go command
// at another platform or change its flags.
func hostEnv(vars []string) []string {
	var out []string
	for _, kv := range vars {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(engineEnv, k) {
			out = append(out, kv)
		}
	}
	return append(out, "GOFLAGS=-trimpath")
}

// moduleBase is the last element of a module path, without a major
// version suffix: "app" for example.com/app/v2.
func moduleBase(module string) string {
	if i := strings.LastIndex(module, "/v"); i >= 0 {
		if _, err := strconv.Atoi(module[i+2:]); err == nil {
			module = module[:i]
		}
	}
	return path.Base(module)
}

// modulePath reads the module path from go.mod in dir, without the go
// command; "" when there is none.
func modulePath(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), "\"`")
		}
	}
	return ""
}
