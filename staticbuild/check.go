package staticbuild

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"unicode"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/gobuild"
	"github.com/magestatic/magestatic/staticbuild/internal/sizegate"
)

// checkDist checks the output directory, dist, resolved from Config.Dist
// (given as d) for the module at dir: it must be a directory inside the
// project that holds no source.
func checkDist(d, dir, dist string) []string {
	d = cmp.Or(d, "dist")
	rel, err := filepath.Rel(dir, dist)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return []string{fmt.Sprintf("Config.Dist %q: the output directory must be a directory inside the project (%s), not the project itself or outside it", d, dir)}
	}
	if src := findSource(dist); src != "" {
		return []string{fmt.Sprintf("Config.Dist %q: the directory holds source (%s), and magestatic replaces what is in its output directory: choose a directory of its own, such as \"dist\"", d, src)}
	}
	return nil
}

// findSource returns the first Go source file, go.mod or magefiles
// directory found in dir, or "".
func findSource(dir string) string {
	found := ""
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || found != "" {
			return filepath.SkipDir
		}
		name := d.Name()
		if (d.IsDir() && name == "magefiles") || (!d.IsDir() && (name == "go.mod" || strings.HasSuffix(name, ".go"))) {
			found, _ = filepath.Rel(dir, p)
			return filepath.SkipAll
		}
		return nil
	})
	return filepath.ToSlash(found)
}

// matrixField names where the matrix comes from: MAGESTATIC_PLATFORMS
// when it is set, else Config.Platforms.
func matrixField(env environ) string {
	if env.platforms != nil {
		return envPlatforms
	}
	return "Config.Platforms"
}

// checkConfig checks every field of the resolved configuration c that
// needs no source, against the matrix pls (set by MAGESTATIC_PLATFORMS
// when fromEnv), and returns one message per mistake. It changes nothing.
func checkConfig(c Config, pls []platform.Platform, fromEnv bool) []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if c.Jobs < 0 {
		add("Config.Jobs %d: want 0 (the default) or more", c.Jobs)
	}
	if c.Shard != "" {
		if _, _, err := parseShard(c.Shard); err != nil {
			add("Config.Shard (or %s): %v", envShard, err)
		}
	}
	if c.Name != "" {
		if err := checkName(c.Name); err != nil {
			add("Config.Name %q: %v", c.Name, err)
		}
	}
	if err := checkCgo(c.Cgo); err != nil {
		add("Config.Cgo: %v", err)
	}
	errs = append(errs, checkLists("Config", c.Tags, c.Flags, c.Ldflags, c.Env)...)
	for _, key := range slices.Sorted(maps.Keys(c.Platform)) {
		errs = append(errs, checkPlatformConfig(key, c.Platform[key], pls, c.Platforms)...)
	}
	if len(c.Binaries) > 0 && c.Main != "" {
		add("Config.Main %q and Config.Binaries are both set: put the main package in Binaries", c.Main)
	}
	names := map[string]int{}
	for i, b := range c.Binaries {
		field := fmt.Sprintf("Config.Binaries[%d]", i)
		same := -1
		if j, ok := names[b.Name]; ok && b.Name != "" {
			same = j
		}
		errs = append(errs, checkBinary(field, b, pls, c.Platforms, fromEnv, same)...)
		if b.Name != "" {
			names[b.Name] = i
		}
	}
	errs = append(errs, checkSize(c.Size)...)
	if err := checkTemplate(c.Output, outputFields); err != nil {
		add("Config.Output: %v", err)
	}
	errs = append(errs, checkArchive(c.Archive)...)
	for i, s := range c.Steps {
		errs = append(errs, checkStep(fmt.Sprintf("Config.Steps[%d] (%s)", i, cmp.Or(s.Name, "unnamed")), s)...)
	}
	return errs
}

// checkPlatformConfig checks the entry key of Config.Platform against the
// matrix, pls (matrix as Config.Platforms spells it).
func checkPlatformConfig(key string, pc PlatformConfig, pls []platform.Platform, matrix []string) []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	field := fmt.Sprintf("Config.Platform[%q]", key)
	if err := checkPlatformKey(key, pls, matrix); err != nil {
		add("%s: %v", field, err)
	}
	if pc.Cgo != "" {
		if err := checkCgo(pc.Cgo); err != nil {
			add("%s.Cgo: %v", field, err)
		}
	}
	errs = append(errs, checkLists(field, pc.Tags, pc.Flags, pc.Ldflags, pc.Env)...)
	if _, err := sizegate.ParseSize(pc.Budget); pc.Budget != "" && err != nil {
		add("%s.Budget: %v", field, err)
	}
	return errs
}

// checkBinary checks the binary b, named field, against the matrix pls
// (matrix as Config.Platforms spells it; set by MAGESTATIC_PLATFORMS when
// fromEnv). same is the index of an earlier binary with the same name, or
// -1.
func checkBinary(field string, b Binary, pls []platform.Platform, matrix []string, fromEnv bool, same int) []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if b.Main == "" {
		add("%s: Main is empty: name the main package, such as \"./cmd/%s\"", field, cmp.Or(b.Name, "app"))
	}
	if b.Name != "" {
		if err := checkName(b.Name); err != nil {
			add("%s.Name %q: %v", field, b.Name, err)
		}
		if same >= 0 {
			add("%s.Name %q: Config.Binaries[%d] has the same name: give each binary its own", field, b.Name, same)
		}
	}
	if b.Cgo != "" {
		if err := checkCgo(b.Cgo); err != nil {
			add("%s.Cgo: %v", field, err)
		}
	}
	for _, s := range b.Platforms {
		pl, err := platform.Parse(s)
		if err != nil {
			add("%s.Platforms: %v", field, err)
		} else if !slices.Contains(pls, pl) && !fromEnv {
			add("%s.Platforms: %s is not in the matrix (%s): add it to Config.Platforms or remove it here", field, s, strings.Join(matrix, ", "))
		}
	}
	errs = append(errs, checkLists(field, b.Tags, b.Flags, b.Ldflags, b.Env)...)
	if _, err := sizegate.ParseSize(b.Budget); b.Budget != "" && err != nil {
		add("%s.Budget: %v", field, err)
	}
	return errs
}

// checkSize checks Config.Size's limits.
func checkSize(s Size) []string {
	if _, err := sizegate.ParseLimits(s.Budget, s.MaxGrowth); err != nil {
		return []string{fmt.Sprintf("Config.Size: %v", err)}
	}
	return nil
}

// checkArchive checks Config.Archive: its formats, extra files and
// templates.
func checkArchive(a Archive) []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	for _, goos := range slices.Sorted(maps.Keys(a.Formats)) {
		if _, err := archive.ParseFormat(a.Formats[goos]); err != nil {
			add("Config.Archive.Formats[%q]: %v", goos, err)
		}
	}
	for i, f := range a.Files {
		if clean := path.Clean(filepath.ToSlash(f)); filepath.IsAbs(f) || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains("/"+filepath.ToSlash(f)+"/", "/../") {
			add("Config.Archive.Files[%d] %q: want a path inside the module, relative to its root, without ..: copy the file into the module", i, f)
		}
	}
	if err := checkTemplate(a.Name, archiveFields); err != nil {
		add("Config.Archive.Name: %v", err)
	}
	if a.Dir != "" {
		if err := checkTemplate(a.Dir, archiveFields); err != nil {
			add("Config.Archive.Dir: %v", err)
		}
	}
	return errs
}

// checkStep checks one of Config.Steps, named field.
func checkStep(field string, s Step) []string {
	switch {
	case s.Run == nil:
		return []string{field + ": Run is nil"}
	case s.Name == "":
		return []string{field + ": Name is empty: name the step for the progress lines"}
	case !slices.Contains(stepNames(), s.After):
		return []string{fmt.Sprintf("%s: After %q: want one of %s", field, s.After, strings.Join(stepNames(), ", "))}
	}
	return nil
}

// checkName checks a binary's or project's name, which names files.
func checkName(name string) error {
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." || strings.TrimSpace(name) != name || strings.HasPrefix(name, ".") ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return fmt.Errorf("want a file name, without slashes, control characters (such as a newline), spaces around it or a leading dot")
	}
	return nil
}

func checkCgo(m CgoMode) error {
	switch m {
	case CgoOff, CgoStatic, CgoStaticPIE, CgoDynamic:
		return nil
	}
	return fmt.Errorf("%q: want %q, %q, %q or %q", m, CgoOff, CgoStatic, CgoStaticPIE, CgoDynamic)
}

// checkPlatformKey checks that a key of Config.Platform names a platform
// of the matrix or the GOOS of one.
func checkPlatformKey(key string, pls []platform.Platform, matrix []string) error {
	if key == "" {
		return fmt.Errorf("the key is empty: want a GOOS such as linux or a platform such as linux/arm/7")
	}
	if strings.Contains(key, "/") {
		if _, err := platform.Parse(key); err != nil {
			return err
		}
	}
	var oses []string
	for _, p := range pls {
		if key == p.OS || key == p.Pair() || key == p.String() {
			return nil
		}
		if !slices.Contains(oses, p.OS) {
			oses = append(oses, p.OS)
		}
	}
	return fmt.Errorf("matches no platform or GOOS of the matrix (%s; GOOS %s): correct it or remove it", strings.Join(matrix, ", "), strings.Join(oses, ", "))
}

// engineEnv are the variables the engine sets for every build; an Env
// entry may not replace them.
var engineEnv = append([]string{"GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS"}, platform.VariantVars()...)

// ownFlags are go build flags that have fields of their own.
var ownFlags = map[string]string{
	"-o": "the Output field", "-ldflags": "Ldflags", "-gcflags": "Gcflags", "-tags": "Tags",
	"-trimpath": "nothing: every build is -trimpath", "-buildmode": "Cgo (CgoStaticPIE builds a PIE)",
	"-buildvcs": "nothing: magestatic sets it from git",
}

// checkLists checks the Tags, Flags, Ldflags and Env of one field.
func checkLists(field string, tags, flags, ldflags, env []string) []string {
	var errs []string
	for _, t := range tags {
		if t == "" || strings.ContainsAny(t, ", \t") {
			errs = append(errs, fmt.Sprintf("%s.Tags: %q: want one build tag per element, without commas or spaces", field, t))
		}
	}
	for _, f := range flags {
		name, _, _ := strings.Cut(f, "=")
		name = "-" + strings.TrimLeft(name, "-")
		if use, ok := ownFlags[name]; ok {
			errs = append(errs, fmt.Sprintf("%s.Flags: %q: go build's %s is set by magestatic; use %s", field, f, name, use))
		}
		if !strings.HasPrefix(f, "-") {
			errs = append(errs, fmt.Sprintf("%s.Flags: %q is not a flag: packages go in Main, arguments of a flag in the same element (\"-p=4\")", field, f))
		}
	}
	if _, err := gobuild.JoinLdflags(ldflags); err != nil {
		errs = append(errs, fmt.Sprintf("%s.Ldflags: %v", field, err))
	}
	for _, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		switch {
		case !ok || k == "":
			errs = append(errs, fmt.Sprintf("%s.Env: %q: want KEY=value", field, kv))
		case slices.Contains(engineEnv, k):
			errs = append(errs, fmt.Sprintf("%s.Env: %q: magestatic sets %s for every build from the platform and the cgo mode; set Platforms or Cgo instead", field, kv, k))
		}
	}
	return errs
}

// The fields of the Output and archive templates.
var (
	outputFields  = []string{"Name", "Project", "OS", "Arch", "Variant", "Platform", "Ext"}
	archiveFields = []string{"Name", "Version", "Tag", "OS", "Arch", "Variant", "Platform"}
)

// checkTemplate parses a template and runs it on sample values, so that a
// field that does not exist is named before anything builds.
func checkTemplate(tmpl string, fields []string) error {
	sample := map[string]string{}
	for _, f := range fields {
		sample[f] = "x"
	}
	_, err := execTemplate(tmpl, fields, sample)
	return err
}

// execTemplate runs a text/template with the given fields.
func execTemplate(tmpl string, fields []string, data map[string]string) (string, error) {
	t, err := template.New("").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("%q: %w", tmpl, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		if strings.Contains(err.Error(), "map has no entry for key") {
			return "", fmt.Errorf("%q uses a field that does not exist: the fields are .%s", tmpl, strings.Join(fields, ", ."))
		}
		return "", fmt.Errorf("%q: %w", tmpl, err)
	}
	return b.String(), nil
}

// checkSteps runs the Check of each of the magefile's steps, in a release.
func checkSteps(ctx context.Context, r *Run) []string {
	if !r.release {
		return nil
	}
	var errs []string
	for _, s := range r.Config.Steps {
		if s.Check == nil {
			continue
		}
		if err := s.Check(ctx, r); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", s.Name, err))
		}
	}
	return errs
}
