package verify

import (
	"os/exec"
	"testing"
)

// releaseTargets are the platforms of the benchmark's release binaries.
var releaseTargets = []struct{ goos, goarch, goarm string }{
	{"linux", "amd64", ""},
	{"linux", "arm64", ""},
	{"linux", "arm", "7"},
	{"darwin", "amd64", ""},
	{"darwin", "arm64", ""},
	{"windows", "amd64", ""},
	{"windows", "arm64", ""},
	{"freebsd", "amd64", ""},
}

// releaseBinaries builds examples/hello for each release target as a
// release is built: CGO_ENABLED=0, -trimpath, -s -w, stamped with -X.
func releaseBinaries(b *testing.B) ([]string, map[string]string) {
	stamped := map[string]string{versionPkg + ".Version": "v1.2.3", versionPkg + ".Commit": "0123456789abcdef0123456789abcdef01234567"}
	ldflags := "-ldflags=-s -w"
	for name, value := range stamped {
		ldflags += " -X " + name + "=" + value
	}
	var paths []string
	for _, tg := range releaseTargets {
		var env []string
		if tg.goarm != "" {
			env = []string{"GOARM=" + tg.goarm}
		}
		paths = append(paths, goBuild(b, build{pkg: helloPkg, goos: tg.goos, goarch: tg.goarch, env: env, flags: []string{"-trimpath", ldflags}}))
	}
	return paths, stamped
}

// BenchmarkCheckRelease verifies the 8 release binaries in process; one
// iteration checks all 8.
func BenchmarkCheckRelease(b *testing.B) {
	paths, stamped := releaseBinaries(b)
	for _, bc := range []struct {
		name    string
		stamped map[string]string
	}{{"linkage", nil}, {"linkage+X", stamped}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				for i, path := range paths {
					tg := releaseTargets[i]
					r, err := Check(path, Policy{GOOS: tg.goos, GOARCH: tg.goarch, Release: true, Stamped: bc.stamped})
					if err != nil || !r.OK {
						b.Fatalf("%s: %v %v", path, err, r)
					}
				}
			}
		})
	}
}

// BenchmarkFileLdd runs what the seed's gate ran on the one binary it could
// judge, the linux/amd64 one: file and ldd.
func BenchmarkFileLdd(b *testing.B) {
	paths, _ := releaseBinaries(b)
	file, err := exec.LookPath("file")
	if err != nil {
		b.Skip("file is not installed")
	}
	ldd, err := exec.LookPath("ldd")
	if err != nil {
		b.Skip("ldd is not installed")
	}
	for b.Loop() {
		if err := exec.Command(file, paths[0]).Run(); err != nil {
			b.Fatal(err)
		}
		// ldd exits 1 for a static binary ("not a dynamic executable").
		exec.Command(ldd, paths[0]).Run()
	}
}
