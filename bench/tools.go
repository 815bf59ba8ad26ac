package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
)

// Names of the tools in the results.
const (
	Loop       = "build.sh loop"
	Cross      = "magestatic Cross"
	Release    = "magestatic Release"
	GoReleaser = "GoReleaser build"
	// GoReleaserRelease is "goreleaser release --snapshot": the builds,
	// archives and checksums, as Release writes them (without SBOMs).
	GoReleaserRelease = "GoReleaser release"
)

// tool is one way of building a project's matrix, in its own clone of the
// project, so that no tool sees another's outputs.
type tool struct {
	name  string
	dir   string
	run   func(ctx context.Context, env []string) (Sample, error)
	clean func() error // removes the outputs
	// cache, when set, is the tool whose build cache this one shares.
	cache string
	// warmOnly tools are not measured cold: they build what the tool of
	// their cache builds, and add the archives, whose cost the warm state
	// shows.
	warmOnly bool
	// main is the directory of the project's main package in the clone,
	// whose source the edit state changes; "" for a tool that builds
	// something else.
	main string
	// editEnv is added to the environment of the edit state's runs.
	editEnv []string
}

// loopTool runs the seed's build.sh: one go build per platform, one after
// another, with the flags of the issue: CGO_ENABLED=0 -trimpath
// -ldflags "-s -w -X version".
func loopTool(p Project, dir string, platforms []platform.Platform) tool {
	out := filepath.Join(dir, "out")
	return tool{
		name: Loop,
		dir:  dir,
		main: filepath.Join(dir, p.Main),
		run: func(ctx context.Context, env []string) (Sample, error) {
			var total Sample
			for _, pl := range platforms {
				ldflags := []string{"-s", "-w"}
				if p.VersionVar != "" {
					ldflags = append(ldflags, "-X", p.VersionVar+"="+p.Version)
				}
				args, cmdEnv, err := loopCommand(p.Main, filepath.Join(out, pl.Suffix(), p.Name+pl.Ext()), pl, ldflags, env)
				if err != nil {
					return Sample{}, err
				}
				// The go of env's PATH: the recording one when the run is
				// recorded.
				cmd := exec.CommandContext(ctx, goCommand(env), args...)
				cmd.Dir = dir
				cmd.Env = cmdEnv
				s, _, err := measure(cmd)
				if err != nil {
					return Sample{}, fmt.Errorf("%s: %w", pl, err)
				}
				total = total.add(s)
			}
			return total, nil
		},
		clean: func() error { return os.RemoveAll(out) },
	}
}

// driverTool runs magestatic's Cross or Release through the driver
// program, with Config.Jobs set to jobs (0: the default).
func driverTool(name, driver, step string, p Project, dir string, platforms []platform.Platform, jobs int) tool {
	t := tool{
		name: name,
		dir:  dir,
		main: filepath.Join(dir, p.Main),
		run: func(ctx context.Context, env []string) (Sample, error) {
			cmd := exec.CommandContext(ctx, driver, "-step", step, "-dir", dir, "-main", p.Main, "-name", p.Name,
				"-stamp", p.VersionVar, "-platforms", platformList(platforms), "-jobs", strconv.Itoa(jobs))
			cmd.Dir = dir
			cmd.Env = env
			s, out, err := measure(cmd)
			if err != nil {
				return Sample{}, err
			}
			var r struct {
				OwnNanos int64 `json:"own_ns"`
				CPUNanos int64 `json:"cpu_ns"`
				HWMBytes int64 `json:"hwm_bytes"`
			}
			if err := json.Unmarshal(out, &r); err != nil {
				return Sample{}, fmt.Errorf("reading the driver's report %q: %w", out, err)
			}
			s.Own = time.Duration(r.OwnNanos)
			s.OwnCPU = time.Duration(r.CPUNanos)
			s.OrchRSS = r.HWMBytes
			return s, nil
		},
		clean: func() error { return os.RemoveAll(filepath.Join(dir, "dist")) },
	}
	if step == "release" {
		// Release builds a clean tree at a tag; an edited one is a
		// snapshot, as GoReleaser's release --snapshot builds it.
		t.editEnv = []string{"MAGESTATIC_SNAPSHOT=1"}
	}
	return t
}

// goreleaserTool runs "goreleaser build --snapshot --clean" with a
// configuration of the same matrix and flags, written into dir, or with
// release set, "goreleaser release --snapshot --clean --skip=publish" with
// the archives and checksums of Release too.
func goreleaserTool(bin string, p Project, dir string, platforms []platform.Platform, release bool) (tool, error) {
	// Not .goreleaser.yaml: projects have their own, which GoReleaser would
	// read instead.
	cfg := filepath.Join(dir, ".bench-goreleaser.yaml")
	if err := os.WriteFile(cfg, []byte(goreleaserConfig(p, platforms, release)), 0o644); err != nil {
		return tool{}, fmt.Errorf("writing the GoReleaser configuration: %w", err)
	}
	name, args := GoReleaser, []string{"build", "--snapshot", "--clean", "--config", cfg}
	if release {
		name, args = GoReleaserRelease, []string{"release", "--snapshot", "--clean", "--skip=publish", "--config", cfg}
	}
	return tool{
		name: name,
		dir:  dir,
		main: filepath.Join(dir, p.Main),
		run: func(ctx context.Context, env []string) (Sample, error) {
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Dir = dir
			cmd.Env = env
			s, _, err := measure(cmd)
			return s, err
		},
		clean: func() error { return os.RemoveAll(filepath.Join(dir, "dist")) },
	}, nil
}

// goreleaserConfig returns a .goreleaser.yaml that builds the platforms
// with CGO_ENABLED=0 -trimpath -ldflags "-s -w -X version", and with
// release set, archives them as Release does (tar.gz, zip on Windows) with
// a SHA256SUMS.
func goreleaserConfig(p Project, platforms []platform.Platform, release bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 2\nproject_name: %s\nbuilds:\n  - id: %s\n    main: %s\n    binary: %s\n", p.Name, p.Name, p.Main, p.Name)
	b.WriteString("    env: [CGO_ENABLED=0]\n    flags: [-trimpath]\n")
	x := ""
	if p.VersionVar != "" {
		x = fmt.Sprintf(" -X %s={{.Version}}", p.VersionVar)
	}
	fmt.Fprintf(&b, "    ldflags: [\"-s -w%s\"]\n    targets:\n", x)
	for _, pl := range platforms {
		fmt.Fprintf(&b, "      - %s\n", goreleaserTarget(pl))
	}
	if release {
		b.WriteString("archives:\n  - formats: [tar.gz]\n    format_overrides:\n      - goos: windows\n        formats: [zip]\nchecksum:\n  name_template: SHA256SUMS\n")
	}
	return b.String()
}

// goreleaserTarget returns GoReleaser's name of a platform, with the
// architecture level it defaults to when the platform has none.
func goreleaserTarget(pl platform.Platform) string {
	v := pl.Variant
	if v == "" {
		switch pl.Arch {
		case "amd64":
			v = "v1"
		case "arm64":
			v = "v8.0"
		case "386":
			v = "sse2"
		case "arm":
			v = "6"
		}
	}
	if v == "" {
		return pl.OS + "_" + pl.Arch
	}
	return pl.OS + "_" + pl.Arch + "_" + v
}

// GoReleaserModule is the GoReleaser the benchmark installs: the newest
// that installs with Go 1.26 through the module proxy here.
const GoReleaserModule = "github.com/goreleaser/goreleaser/v2@v2.15.1"

// InstallGoReleaser installs GoReleaser into dir with go install, unless
// it is there already, and returns the binary's path.
func InstallGoReleaser(ctx context.Context, dir string, env []string) (string, error) {
	bin := filepath.Join(dir, "goreleaser")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if _, err := run(ctx, "", append(env, "GOBIN="+dir, "CGO_ENABLED=0"), "go", "install", GoReleaserModule); err != nil {
		return "", fmt.Errorf("installing GoReleaser: %w", err)
	}
	return bin, nil
}

func platformList(platforms []platform.Platform) string {
	s := make([]string, len(platforms))
	for i, pl := range platforms {
		s[i] = pl.String()
	}
	return strings.Join(s, ",")
}

// Startup is the name of the start-up row: "go tool mage" in a user's
// module that imports magestatic's targets, up to the moment the target
// starts.
const Startup = "go tool mage start-up"

// startupMagefile is the magefile of the start-up module: magestatic's
// targets, as a user's magefile imports them, and a target that does
// nothing, whose run is the start-up alone.
const startupMagefile = `//go:build mage

package main

import (
	//mage:import
	_ "github.com/magestatic/magestatic/staticbuild"
)

// Nothing does nothing: go tool mage nothing is the start-up alone.
func Nothing() {}
`

// StartupModule makes dir a user's module whose magefile imports the
// targets of the magestatic checkout at root, with mage as a tool (go.mod's
// tool directive), the go.sum of root, and one git commit, as a project
// would have them.
func StartupModule(ctx context.Context, dir, root string, env []string) error {
	if err := os.MkdirAll(filepath.Join(dir, "magefiles"), 0o755); err != nil {
		return err
	}
	gomod := "module example.com/startup\n\ngo 1.24.0\n\nrequire github.com/magestatic/magestatic v0.0.0\n\ntool github.com/magefile/mage\n\nreplace github.com/magestatic/magestatic => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return fmt.Errorf("the start-up module: %w", err)
	}
	for name, data := range map[string]string{"go.mod": gomod, "go.sum": string(sum), "magefiles/magefile.go": startupMagefile, ".gitignore": "/bin/\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	if _, err := run(ctx, dir, append(env, "GOFLAGS=-mod=mod"), "go", "mod", "tidy"); err != nil {
		return fmt.Errorf("the start-up module: %w", err)
	}
	genv := append(env, "GIT_AUTHOR_DATE="+CommitTime, "GIT_COMMITTER_DATE="+CommitTime,
		"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@example.invalid",
		"GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@example.invalid")
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "--no-gpg-sign", "-m", "start-up"}} {
		if _, err := run(ctx, dir, genv, "git", args...); err != nil {
			return fmt.Errorf("the start-up module: %w", err)
		}
	}
	return nil
}

// startupTool runs "go tool mage nothing" in the start-up module at dir,
// with mage's cache (MAGEFILE_CACHE) beside the build cache of the run's
// environment, so that a cold run has neither. Mage runs its go commands
// through MAGEFILE_GOCMD, the go of the environment's PATH: the go
// command puts its own directory first on the PATH of the tools it runs,
// which would hide the recording go.
func startupTool(dir string) tool {
	return tool{
		name: Startup,
		dir:  dir,
		run: func(ctx context.Context, env []string) (Sample, error) {
			gocmd := goCommand(env)
			cmd := exec.CommandContext(ctx, gocmd, "tool", "mage", "nothing")
			cmd.Dir = dir
			cmd.Env = append(env, "MAGEFILE_CACHE="+filepath.Join(lookupEnv(env, "GOCACHE"), "mage"), "MAGEFILE_GOCMD="+gocmd)
			s, _, err := measure(cmd)
			return s, err
		},
		clean: func() error { return nil },
	}
}

// lookupEnv returns the last value of key in env.
func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
