package linuxpkg

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

func TestSnapshotVersion(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct{ in, deb, apk string }{
		{"v1.2.0-snapshot", "1.2.0~snapshot", "1.2.0_git20260102030405"},
		{"v1.2.0-dirty-snapshot", "1.2.0~snapshot.dirty", "1.2.0_git20260102030405"},
		{"v1.2.0-rc.1-snapshot", "1.2.0~snapshot.rc.1", "1.2.0_git20260102030405"},
		{"v0.1.0-3-gabc1234-dirty-snapshot", "0.1.0~snapshot.3.gabc1234.dirty", "0.1.0_git20260102030405"},
		{"bea7594cdf23-snapshot", "0.0.0~snapshot.bea7594cdf23", "0.0.0_git20260102030405"},
		{"bea7594cdf23-dirty-snapshot", "0.0.0~snapshot.bea7594cdf23.dirty", "0.0.0_git20260102030405"},
		{"0.0.0-snapshot", "0.0.0~snapshot", "0.0.0_git20260102030405"},
		{"v1.0.0+meta-snapshot", "1.0.0~snapshot.meta", "1.0.0_git20260102030405"},
		{"weird/tag name\n-snapshot", "0.0.0~snapshot.weird.tag.name", "0.0.0_git20260102030405"},
	} {
		for _, f := range []struct{ format, want string }{{"deb", c.deb}, {"rpm", c.deb}, {"apk", c.apk}} {
			if got, err := snapshotVersion(c.in, at, f.format); err != nil || got != f.want {
				t.Errorf("snapshotVersion(%q, %s) = %q, %v: want %q", c.in, f.format, got, err, f.want)
			}
		}
	}
	if _, err := snapshotVersion("v1.2.0-snapshot", time.Time{}, "apk"); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("an apk snapshot without a build time: %v", err)
	}
}

// TestSnapshotRelease releases an untagged commit as a snapshot, whose
// version is no semantic version, and reads its packages' versions with
// dpkg-deb and rpm.
func TestSnapshotRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("a release")
	}
	need(t, "dpkg-deb", "rpm")
	t.Parallel()
	dir := testmod.New(t, "", "app", project, "")
	var log bytes.Buffer
	_, err := (staticbuild.Config{Dir: dir, Log: &log, Snapshot: true, Steps: []staticbuild.Step{Step(pkg())},
		Environ: env(t, false), Platforms: []string{"linux/amd64"}}).Release(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	dist := filepath.Join(dir, "dist")
	manifest, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSpace(run(t, "git", "-C", dir, "rev-parse", "--short=12", "HEAD"))
	want := map[string]string{
		"app_0.0.0~snapshot." + hash + "_amd64.deb":    "deb",
		"app-0.0.0~snapshot." + hash + "-1.x86_64.rpm": "rpm",
		"app_0.0.0_git20260102030405-r0_x86_64.apk":    "apk",
	}
	found := 0
	for _, a := range manifest {
		if kind, ok := want[a.Path]; ok && string(a.Kind) == kind {
			found++
		}
	}
	if found != len(want) {
		t.Fatalf("artifacts.json lists %d of the packages %v:\n%s", found, want, log.String())
	}
	for file, kind := range want {
		p := filepath.Join(dist, file)
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		switch kind {
		case "deb":
			if v := run(t, "dpkg-deb", "--field", p, "Version"); strings.TrimSpace(v) != "0.0.0~snapshot."+hash {
				t.Errorf("%s: dpkg-deb says Version %q", file, v)
			}
		case "rpm":
			if v := run(t, "rpm", "-qp", "--queryformat", "%{VERSION}", p); v != "0.0.0~snapshot."+hash {
				t.Errorf("%s: rpm says VERSION %q", file, v)
			}
		}
	}
}
