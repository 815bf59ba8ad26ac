package linuxpkg

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// packages returns the package files below dir.
func packages(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	for name, data := range testmod.Tree(t, dir) {
		if strings.HasSuffix(name, ".deb") || strings.HasSuffix(name, ".rpm") || strings.HasSuffix(name, ".apk") {
			out[name] = data
		}
	}
	return out
}

// TestReproducible releases two clones of the project, the first with a
// build cache of its own (a cold build), the second with the shared one,
// in other time zones and with other umasks, and compares every file of
// the two releases: the packages are the same bytes.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("a cold release")
	}
	t.Parallel()
	origin := testmod.New(t, "", "app", project, "v1.2.0")
	var dists []string
	for i, tz := range []string{"UTC", "America/New_York"} {
		dir := testmod.Clone(t, origin)
		if i == 1 {
			// Another checkout's files: other times and modes.
			os.Chmod(filepath.Join(dir, "packaging/app.conf"), 0o600)
			os.Chtimes(filepath.Join(dir, "packaging/postinst.sh"), time.Unix(1e9, 0), time.Unix(1e9, 0))
		}
		var log bytes.Buffer
		if _, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: []staticbuild.Step{Step(pkg())},
			Environ: env(t, i == 0, "TZ="+tz, "SOURCE_DATE_EPOCH=")}).Release(context.Background()); err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		dists = append(dists, filepath.Join(dir, "dist"))
	}
	a, b := packages(t, dists[0]), packages(t, dists[1])
	if len(a) != len(wantPackages) {
		t.Fatalf("the first release wrote %d packages, want %d", len(a), len(wantPackages))
	}
	for name, data := range a {
		if b[name] != data {
			t.Errorf("%s differs between the two clones", name)
		}
	}
	ta, tb := testmod.Tree(t, dists[0]), testmod.Tree(t, dists[1])
	for name, data := range ta {
		if tb[name] != data {
			t.Errorf("%s differs between the two clones", name)
		}
	}
}

// TestShards releases in two shards and merges them: each shard builds
// the packages of its platforms, and the merged release's packages,
// checksum file and manifest are the single release's.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("four releases")
	}
	t.Parallel()
	steps := []staticbuild.Step{Step(pkg())}
	origin := testmod.New(t, "", "app", project, "v1.2.0-rc.1")
	single := testmod.Clone(t, origin)
	if _, err := (staticbuild.Config{Dir: single, Log: io.Discard, Steps: steps, Environ: env(t, false)}).Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	shards := filepath.Join(t.TempDir(), "shards")
	built := map[string]bool{}
	for i, s := range []string{"1/2", "2/2"} {
		dir := testmod.Clone(t, origin)
		if _, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: steps, Environ: env(t, false, "MAGESTATIC_SHARD"+"="+s)}).Release(context.Background()); err != nil {
			t.Fatalf("shard %s: %v", s, err)
		}
		for name := range packages(t, filepath.Join(dir, "dist")) {
			if built[name] {
				t.Errorf("both shards built %s", name)
			}
			built[name] = true
		}
		os.CopyFS(filepath.Join(shards, "shard-"+string(rune('1'+i))), os.DirFS(filepath.Join(dir, "dist")))
	}
	if len(built) != len(wantPackages) {
		t.Errorf("the shards built %d packages, want %d", len(built), len(wantPackages))
	}
	merged := testmod.Clone(t, origin)
	var log bytes.Buffer
	if _, err := (staticbuild.Config{Dir: merged, Log: &log, Steps: steps, MergeFrom: shards, Environ: env(t, false)}).Merge(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	want, got := testmod.Tree(t, filepath.Join(single, "dist")), testmod.Tree(t, filepath.Join(merged, "dist"))
	for name, data := range want {
		if got[name] != data {
			t.Errorf("%s differs between the single release and the merged one", name)
		}
	}
	if len(packages(t, filepath.Join(merged, "dist"))) != len(wantPackages) {
		t.Errorf("the merged release has %d packages", len(packages(t, filepath.Join(merged, "dist"))))
	}
}

// TestOwnDependencies checks that a magefile that does not import
// linuxpkg compiles none of nfpm: package staticbuild, the engine and the
// other steps import none of its packages.
func TestOwnDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/magestatic/magestatic/staticbuild",
		"github.com/magestatic/magestatic/staticbuild/images", "github.com/magestatic/magestatic/staticbuild/sign").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, p := range []string{"github.com/goreleaser/", "github.com/google/rpmpack", "github.com/blakesmith/ar", "github.com/cavaliergopher/cpio",
			"github.com/ProtonMail/go-crypto", "github.com/Masterminds/", "github.com/go-git/", "github.com/klauspost/pgzip", "github.com/magestatic/magestatic/staticbuild/linuxpkg"} {
			if strings.HasPrefix(dep, p) {
				t.Errorf("package staticbuild depends on %s", dep)
			}
		}
	}
	// The test can fail: linuxpkg itself depends on nfpm.
	out, err = exec.Command("go", "list", "-deps", "github.com/magestatic/magestatic/staticbuild/linuxpkg").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "github.com/goreleaser/nfpm/v2/deb\n") {
		t.Errorf("go list -deps linuxpkg: %v\n%s", err, out)
	}
}
