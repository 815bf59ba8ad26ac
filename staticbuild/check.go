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

// setDist resolves Config.Dist, which must be a directory inside the
// project that holds no source.
func (r *Run) setDist() []string {
	d := r.Config.Dist
	if d == "" {
		d = "dist"
	}
	dist := d
	if !filepath.IsAbs(dist) {
		dist = filepath.Join(r.Dir, dist)
	}
	dist = filepath.Clean(dist)
	r.Dist = dist
	rel, err := filepath.Rel(r.Dir, dist)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return []string{fmt.Sprintf("Config.Dist %q: the output directory must be a directory inside the project (%s), not the project itself or outside it", d, r.Dir)}
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

// platformsField names where the matrix comes from: MAGESTATIC_PLATFORMS
// when it is set, else Config.Platforms.
func (r *Run) platformsField() string {
	if r.env.platforms != nil {
		return envPlatforms
	}
	return "Config.Platforms"
}

func (r *Run) setPlatforms() []string {
	list, field := r.Config.Platforms, r.platformsField()
	if len(list) == 0 {
		list = DefaultPlatforms()
	}
	r.configured = list
	if r.env.platforms != nil {
		list = r.env.platforms
	}
	ps, err := platform.ParseList(list)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", field, err)}
	}
	if len(ps) == 0 {
		return []string{field + ": no platforms"}
	}
	r.platforms = ps
	r.Config.Platforms = nil
	for _, p := range ps {
		r.Config.Platforms = append(r.Config.Platforms, p.String())
	}
	return nil
}

func (r *Run) setJobs() []string {
	r.jobs = r.Config.Jobs
	if r.env.jobs > 0 {
		r.jobs = r.env.jobs
	}
	if r.jobs < 0 {
		return []string{fmt.Sprintf("Config.Jobs %d: want 0 (the default) or more", r.jobs)}
	}
	if r.jobs == 0 {
		r.jobs = defaultJobs()
	}
	r.Config.Jobs = r.jobs
	return nil
}

// check checks every field that needs no source and returns one message
// per mistake.
func (r *Run) check() []string {
	c := r.Config
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
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
		pc := c.Platform[key]
		field := fmt.Sprintf("Config.Platform[%q]", key)
		if err := r.checkPlatformKey(key); err != nil {
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
	}
	if len(c.Binaries) > 0 && c.Main != "" {
		add("Config.Main %q and Config.Binaries are both set: put the main package in Binaries", c.Main)
	}
	names := map[string]int{}
	for i, b := range c.Binaries {
		field := fmt.Sprintf("Config.Binaries[%d]", i)
		if b.Main == "" {
			add("%s: Main is empty: name the main package, such as \"./cmd/%s\"", field, cmp.Or(b.Name, "app"))
		}
		if b.Name != "" {
			if err := checkName(b.Name); err != nil {
				add("%s.Name %q: %v", field, b.Name, err)
			}
			if j, ok := names[b.Name]; ok {
				add("%s.Name %q: Config.Binaries[%d] has the same name: give each binary its own", field, b.Name, j)
			}
			names[b.Name] = i
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
			} else if !slices.Contains(r.platforms, pl) && r.env.platforms == nil {
				add("%s.Platforms: %s is not in the matrix (%s): add it to Config.Platforms or remove it here", field, s, strings.Join(r.Config.Platforms, ", "))
			}
		}
		errs = append(errs, checkLists(field, b.Tags, b.Flags, b.Ldflags, b.Env)...)
		if _, err := sizegate.ParseSize(b.Budget); b.Budget != "" && err != nil {
			add("%s.Budget: %v", field, err)
		}
	}
	if _, err := sizegate.ParseLimits(c.Size.Budget, c.Size.MaxGrowth); err != nil {
		add("Config.Size: %v", err)
	}
	for _, goos := range slices.Sorted(maps.Keys(c.Archive.Formats)) {
		if _, err := archive.ParseFormat(c.Archive.Formats[goos]); err != nil {
			add("Config.Archive.Formats[%q]: %v", goos, err)
		}
	}
	if err := checkTemplate(c.Output, outputFields); err != nil {
		add("Config.Output: %v", err)
	}
	for i, f := range c.Archive.Files {
		if clean := path.Clean(filepath.ToSlash(f)); filepath.IsAbs(f) || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains("/"+filepath.ToSlash(f)+"/", "/../") {
			add("Config.Archive.Files[%d] %q: want a path inside the module, relative to its root, without ..: copy the file into the module", i, f)
		}
	}
	if err := checkTemplate(c.Archive.Name, archiveFields); err != nil {
		add("Config.Archive.Name: %v", err)
	}
	if c.Archive.Dir != "" {
		if err := checkTemplate(c.Archive.Dir, archiveFields); err != nil {
			add("Config.Archive.Dir: %v", err)
		}
	}
	for i, s := range c.Steps {
		field := fmt.Sprintf("Config.Steps[%d] (%s)", i, cmp.Or(s.Name, "unnamed"))
		switch {
		case s.Run == nil:
			add("%s: Run is nil", field)
		case s.Name == "":
			add("%s: Name is empty: name the step for the progress lines", field)
		case !slices.Contains(stepNames(), s.After):
			add("%s: After %q: want one of %s", field, s.After, strings.Join(stepNames(), ", "))
		}
	}
	return errs
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
func (r *Run) checkPlatformKey(key string) error {
	if key == "" {
		return fmt.Errorf("the key is empty: want a GOOS such as linux or a platform such as linux/arm/7")
	}
	if strings.Contains(key, "/") {
		if _, err := platform.Parse(key); err != nil {
			return err
		}
	}
	var oses []string
	for _, p := range r.platforms {
		if key == p.OS || key == p.Pair() || key == p.String() {
			return nil
		}
		if !slices.Contains(oses, p.OS) {
			oses = append(oses, p.OS)
		}
	}
	return fmt.Errorf("matches no platform or GOOS of the matrix (%s; GOOS %s): correct it or remove it", strings.Join(r.Config.Platforms, ", "), strings.Join(oses, ", "))
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
func (r *Run) checkSteps(ctx context.Context) []string {
	if !r.Release {
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
