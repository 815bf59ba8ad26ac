package staticbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/gobuild"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// noDWARF is the go build flag that stops the compiler from generating the
// DWARF debug information that -ldflags=-w then discards. It cuts the CPU
// time of a cold build by about a tenth, and the binary keeps the same
// functions with the same sizes and its size on disk
// (TestNoDWARFKeepsFunctions compares the pclntab function tables). A
// Gcflags of the configuration for all packages is added to it.
const noDWARF = "all=-dwarf=false"

// job is one binary's build for one platform, with the artifact it
// produces.
type job struct {
	target   *target
	platform platform.Platform
	build    gobuild.Job
	artifact artifact.Artifact
}

// newJob assembles the go build of one binary for one platform, writing
// to the final path in dist, and the artifact it makes. It fails when
// Config.Output gives no path inside the output directory.
func newJob(r *Run, t *target, pl platform.Platform) (job, error) {
	s := settingsFor(r.Config, t, pl)
	st := r.src.stamp
	st.Version = r.Version
	rel, err := output(r.Config, r.src.project, t, pl)
	if err != nil {
		return job{}, err
	}
	f := buildFlags(t, pl, s, st)
	b := gobuild.Job{
		Go:       r.Config.Go,
		Dir:      r.Dir,
		Package:  t.Main,
		Output:   filepath.Join(r.Dist, filepath.FromSlash(rel)),
		Platform: pl,
		Cgo:      s.Cgo != CgoOff,
		VCS:      st.Git && !st.NoCommits,
		Tags:     f.tags,
		Flags:    f.flags,
		Ldflags:  f.ldflags,
		Env:      f.env,
	}
	a := binaryArtifact(rel, t, pl, r.Version, r.Commit)
	a.Build = &artifact.Build{
		Module:  r.src.module,
		Package: t.pkg,
		Cgo:     string(s.Cgo),
		Tags:    f.tags,
		Stamped: f.stamped,
		Key:     hashStrings(r.src.keys.fp, b.Command(), rel),
	}
	return job{target: t, platform: pl, build: b, artifact: a}, nil
}

// goFlags are what one go build is given beyond its package and platform.
type goFlags struct {
	tags, flags, ldflags, env []string
	stamped                   map[string]string // every -X assignment, for Verify
}

// buildFlags returns the flags of the build of t for pl with the settings
// s, stamped with st: -s -w and the -X assignments, the DWARF the linker
// would discard left out, and what the cgo mode needs (the netgo and
// osusergo tags, external static linking, the C compilers).
func buildFlags(t *target, pl platform.Platform, s settings, st stamp.Stamp) goFlags {
	stamped := stampedVars(t, s, st)
	ld := []string{"-s", "-w"}
	for _, v := range slices.Sorted(maps.Keys(stamped)) {
		ld = append(ld, "-X", v+"="+stamped[v])
	}
	ld = append(ld, s.Ldflags...)
	checked := maps.Clone(stamped)
	for k, v := range rawX(s.Ldflags) {
		checked[k] = v
	}
	tags := s.Tags
	// The linker discards DWARF (-w), so the compiler need not write it.
	gc := noDWARF
	if rest, ok := strings.CutPrefix(s.Gcflags, "all="); ok {
		gc += " " + rest
	}
	flags := []string{"-gcflags=" + gc}
	if s.Gcflags != "" && !strings.HasPrefix(s.Gcflags, "all=") {
		flags = append(flags, "-gcflags="+s.Gcflags)
	}
	flags = append(flags, s.Flags...)
	env := s.Env
	switch s.Cgo {
	case CgoStatic:
		tags = appendMissing(tags, "netgo", "osusergo")
		ld = append(ld, "-linkmode=external", "-extldflags=-static")
	case CgoStaticPIE:
		tags = appendMissing(tags, "netgo", "osusergo")
		flags = append(flags, "-buildmode=pie")
		ld = append(ld, "-linkmode=external", "-extldflags=-static-pie")
	}
	if s.Cgo != CgoOff {
		cc, cxx := compilers(pl, s)
		if cc != "" {
			env = append(env, "CC="+cc)
		}
		if cxx != "" {
			env = append(env, "CXX="+cxx)
		}
	}
	return goFlags{tags: tags, flags: flags, ldflags: ld, env: env, stamped: checked}
}

// binaryArtifact is the artifact of the binary t built for pl at rel in
// dist, of the given version and commit, before its build information.
func binaryArtifact(rel string, t *target, pl platform.Platform, version, commit string) artifact.Artifact {
	return artifact.Artifact{
		Name:     path.Base(rel),
		Path:     rel,
		Kind:     artifact.Binary,
		Binary:   t.Name,
		Platform: pl.String(),
		OS:       pl.OS,
		Arch:     pl.Arch,
		Variant:  pl.Variant,
		Version:  version,
		Commit:   commit,
	}
}

// output returns a binary's path for a platform under the configuration
// c, relative to dist, with forward slashes.
func output(c Config, project string, t *target, pl platform.Platform) (string, error) {
	out, err := execTemplate(c.Output, outputFields, map[string]string{
		"Name": t.Name, "Project": project, "OS": pl.OS, "Arch": pl.Arch, "Variant": pl.Variant,
		"Platform": pl.Suffix(), "Ext": pl.Ext(),
	})
	if err != nil {
		return "", fmt.Errorf("Config.Output: %w", err)
	}
	rel, err := cleanRel(out)
	if err != nil || strings.HasPrefix(path.Base(rel), ".") {
		return "", fmt.Errorf("Config.Output %q gives %q for %s %s: want a relative path inside the output directory, not starting with a dot", c.Output, out, t.Name, pl)
	}
	return rel, nil
}

// checkOutputs rejects a template that maps two binaries or platforms to
// one path.
func checkOutputs(r *Run) []string {
	var errs []string
	seen := map[string]string{}
	for _, t := range r.src.targets {
		for _, pl := range t.platforms {
			out, err := output(r.Config, r.src.project, t, pl)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			this := t.Name + " " + pl.String()
			if other, ok := seen[out]; ok {
				errs = append(errs, fmt.Sprintf("Config.Output maps both %s and %s to %s: add {{.Name}} and {{.Platform}} to the template", other, this, out))
			}
			seen[out] = this
		}
	}
	return errs
}

// stampedVars returns the -X assignments for a stamp: the version
// package's variables when the program imports it, and the ones the
// configuration names, the version without its leading v when the
// project's Stamp or the binary's sets TrimV. Empty values are left out.
func stampedVars(t *target, s settings, st stamp.Stamp) map[string]string {
	m := map[string]string{}
	set := func(vars []string, value string) {
		if value == "" {
			return
		}
		for _, v := range vars {
			m[v] = value
		}
	}
	if t.stampsVer {
		set([]string{versionPackage + ".Version"}, st.Version)
		set([]string{versionPackage + ".Commit"}, st.Commit)
		set([]string{versionPackage + ".BuildTime"}, st.TimeString())
	}
	ver := st.Version
	if s.Stamp.TrimV || t.Stamp.TrimV {
		ver = trimV(ver)
	}
	set(s.Stamp.Version, ver)
	set(s.Stamp.Commit, st.Commit)
	set(s.Stamp.Time, st.TimeString())
	return m
}

// trimV returns the version v without its leading "v" ("1.2.3" for
// "v1.2.3"), and any other version ("dev", a commit hash) as it is.
func trimV(v string) string {
	if len(v) > 1 && v[0] == 'v' && '0' <= v[1] && v[1] <= '9' {
		return v[1:]
	}
	return v
}

// rawX returns the -X assignments written in linker arguments, as "-X",
// "var=value" or "-X=var=value", so that Verify checks them too.
func rawX(ld []string) map[string]string {
	m := map[string]string{}
	for i := 0; i < len(ld); i++ {
		var kv string
		switch {
		case ld[i] == "-X" || ld[i] == "--X":
			if i+1 < len(ld) {
				kv = ld[i+1]
				i++
			}
		case strings.HasPrefix(ld[i], "-X="):
			kv = strings.TrimPrefix(ld[i], "-X=")
		}
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" && v != "" {
			m[k] = v
		}
	}
	return m
}

// hashStrings returns the hex SHA-256 of the strings, each ended by a NUL.
func hashStrings(ss ...string) string {
	h := sha256.New()
	for _, s := range ss {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func appendMissing(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}
