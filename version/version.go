// Package version reports how a program was built: the version, commit and
// build time stamped into it at link time, merged with what the Go toolchain
// records in every binary.
//
// magestatic sets the three variables with -ldflags -X; any build tool can:
//
//	go build -ldflags "-X github.com/magestatic/magestatic/version.Version=v1.2.3"
//
// A binary built without stamping still reports something true: the module
// version when it was installed with "go install pkg@v1.2.3", and the VCS
// revision and time that "go build" records inside a git checkout.
//
// A program gives itself a --version flag in one line:
//
//	if len(os.Args) > 1 && os.Args[1] == "--version" {
//		fmt.Println(version.Get().Long())
//		return
//	}
//
// The package uses only the standard library.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version, Commit and BuildTime are set at link time with -X. They are
// variables, not constants, because the linker can only set variables; they
// are empty when nothing was stamped.
var (
	// Version is the release version, such as "v1.2.3" or
	// "v1.2.3-4-gabcdef0-dirty".
	Version string
	// Commit is the full commit hash the binary was built from.
	Commit string
	// BuildTime is when the source was committed (or SOURCE_DATE_EPOCH), in
	// RFC 3339 UTC. It is never the wall clock, so builds are reproducible.
	BuildTime string
)

// Info is everything known about how the running binary was built.
type Info struct {
	Version   string // stamped version, else module version, else "dev"
	Commit    string // stamped commit, else vcs.revision
	BuildTime string // stamped build time, else vcs.time
	Modified  bool   // vcs.modified: built from a tree with uncommitted changes
	Module    string // main module path
	GoVersion string // toolchain that built the binary
	Platform  string // GOOS/GOARCH
}

// Get returns the stamped values merged with the binary's own build
// information from runtime/debug.ReadBuildInfo. Stamped values win; anything
// missing is filled in from the build information; a version that is still
// unknown is "dev".
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return merge(Version, Commit, BuildTime, bi)
}

// merge is Get with its inputs made explicit, for testing.
func merge(version, commit, buildTime string, bi *debug.BuildInfo) Info {
	info := Info{
		Version:   version,
		Commit:    commit,
		BuildTime: buildTime,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi != nil {
		info.Module = bi.Main.Path
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.BuildTime == "" {
					info.BuildTime = s.Value
				}
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

// String returns the one-line form, such as
// "v1.2.3 (commit 0123abc, built 2026-01-02T03:04:05Z, go1.26.8 linux/amd64)".
func (i Info) String() string {
	var parts []string
	if i.Commit != "" {
		c := i.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if i.Modified {
			c += "+modified"
		}
		parts = append(parts, "commit "+c)
	}
	if i.BuildTime != "" {
		parts = append(parts, "built "+i.BuildTime)
	}
	parts = append(parts, strings.TrimSpace(i.GoVersion+" "+i.Platform))
	return fmt.Sprintf("%s (%s)", i.Version, strings.Join(parts, ", "))
}

// Long returns the multi-line form, one "key: value" per line, for a
// --version flag. Unknown values are left out.
func (i Info) Long() string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-10s %s\n", k+":", v)
		}
	}
	line("version", i.Version)
	line("commit", i.Commit)
	if i.Modified {
		line("modified", "true")
	}
	line("built", i.BuildTime)
	line("module", i.Module)
	line("go", i.GoVersion)
	line("platform", i.Platform)
	return strings.TrimSuffix(b.String(), "\n")
}
