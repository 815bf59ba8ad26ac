package staticbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// The tests of what a release of a version published before says when it
// is refused: the cause, not a guess.

// unexplainedCause is what a refusal says when no change of the commit,
// the platforms, the files or a signing key explains it.
const unexplainedCause = "omething that reaches the build changed"

// headOf returns the commit HEAD is at in dir.
func headOf(t *testing.T, dir string) string {
	t.Helper()
	return strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD"))
}

// readDist returns the bytes of a file of dist/.
func readDist(t *testing.T, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "dist", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestRepublishMovedTagRefusedBeforeBuild: a tag moved to another commit
// was refused only after a full build, and the refusal blamed something
// that reaches the build. It must be refused before anything builds,
// naming both commits and the fixes, also when the state file was lost
// and only dist/artifacts.json remembers the commit; Config.Replace
// publishes the version again.
func TestRepublishMovedTagRefusedBeforeBuild(t *testing.T) {
	t.Parallel()
	for _, lost := range []bool{false, true} {
		t.Run(map[bool]string{false: "state", true: "state lost"}[lost], func(t *testing.T) {
			t.Parallel()
			dir, cfg := releasedApp(t)
			was := headOf(t, dir)
			sums := readDist(t, dir, "SHA256SUMS")
			if lost {
				if err := os.Truncate(filepath.Join(dir, "dist", stateName), 0); err != nil {
					t.Fatal(err)
				}
			}
			moveTag(t, dir)
			is := headOf(t, dir)
			log, _, err := release(t, cfg)
			want := "the tag v1.0.0 moved from commit " + was[:12] + ", which app_1.0.0_linux_amd64.tar.gz"
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "to commit "+is[:12]) ||
				!strings.Contains(err.Error(), "git tag -f v1.0.0 "+was[:12]) || strings.Contains(err.Error(), unexplainedCause) {
				t.Fatalf("err = %v, want a refusal saying the tag moved from %.12s to %.12s", err, was, is)
			}
			if strings.Contains(log, "build: ") {
				t.Errorf("the refused release built:\n%s", log)
			}
			if !bytes.Equal(readDist(t, dir, "SHA256SUMS"), sums) {
				t.Error("the refused release changed SHA256SUMS")
			}
			checkDistFiles(t, distOf(dir))
			cfg.Replace = true
			if log, _, err := release(t, cfg); err != nil {
				t.Fatalf("with Replace: %v\n%s", err, log)
			}
			if list := checkDistFiles(t, distOf(dir)); list[0].Commit != is {
				t.Errorf("with Replace, dist/ holds commit %s, want %s", list[0].Commit, is)
			}
		})
	}
}

func distOf(dir string) string { return filepath.Join(dir, "dist") }

// TestRepublishPlatformsNamed: a release narrowed by MAGESTATIC_PLATFORMS
// published the version for one platform, and the full release of the
// version then rewrote its SHA256SUMS silently; the other way round, the
// narrowed release did. Each must be refused, naming the platforms added
// or dropped rather than something that reaches the build.
func TestRepublishPlatformsNamed(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	narrow := func(dir string) Config {
		return Config{Dir: dir, Platforms: []string{"linux/amd64", "windows/amd64"}, Environ: testEnv(envPlatforms + "=linux/amd64")}
	}
	full := func(dir string) Config {
		return Config{Dir: dir, Platforms: []string{"linux/amd64", "windows/amd64"}, Environ: testEnv()}
	}
	for _, tc := range []struct {
		name        string
		first, then func(string) Config
		want        string
	}{
		{"widened", narrow, full, "The platforms changed: v1.0.0 was published for linux/amd64, and this release adds windows/amd64"},
		{"narrowed", full, narrow, "The platforms changed: v1.0.0 was published for linux/amd64, windows/amd64, and this release drops windows/amd64 (MAGESTATIC_PLATFORMS=linux/amd64 sets its platforms)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
			if log, _, err := release(t, tc.first(dir)); err != nil {
				t.Fatalf("%v\n%s", err, log)
			}
			sums := readDist(t, dir, "SHA256SUMS")
			_, _, err := release(t, tc.then(dir))
			if err == nil || !strings.Contains(err.Error(), "v1.0.0 was published before with other bytes") ||
				!strings.Contains(err.Error(), "SHA256SUMS changed") || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), unexplainedCause) {
				t.Fatalf("err = %v\nwant a refusal saying %q", err, tc.want)
			}
			if !bytes.Equal(readDist(t, dir, "SHA256SUMS"), sums) {
				t.Error("the refused release changed SHA256SUMS")
			}
			checkDistFiles(t, distOf(dir))
		})
	}
}

// signSums is a step of a magefile's own that signs SHA256SUMS with key
// (a keyed hash standing in for a signature), as staticbuild/sign does.
func signSums(key string) Step {
	return Step{Name: "sign", After: "checksums", Key: key, Run: func(ctx context.Context, r *Run) error {
		for _, a := range r.Artifacts.Of(artifact.Checksums) {
			data, err := os.ReadFile(r.Path(a))
			if err != nil {
				return err
			}
			sum := sha256.Sum256(append([]byte(key+":"), data...))
			if err := r.WriteFile(artifact.Artifact{Path: a.Path + ".sig", Kind: "signature"}, []byte(hex.EncodeToString(sum[:])+"\n")); err != nil {
				return err
			}
		}
		return nil
	}}
}

// TestRepublishSigningKeyNamed: a release of a published version signed
// with a new key was refused as if something that reaches the build had
// changed. It must say that the signing key changed, as the signature
// changed while what it signs did not; and a widened matrix with the same
// key must be refused for the platforms, not for the signature.
func TestRepublishSigningKeyNamed(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	cfg := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64"), Steps: []Step{signSums("old key")}}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	cfg.Steps = []Step{signSums("new key")}
	_, _, err := release(t, cfg)
	want := "SHA256SUMS.sig changed. The signing key changed (SHA256SUMS.sig changed while SHA256SUMS, which it signs, did not)"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), unexplainedCause) {
		t.Fatalf("err = %v\nwant a refusal saying %q", err, want)
	}
	cfg.Steps = []Step{signSums("old key")}
	cfg.Environ = testEnv(envPlatforms + "=linux/amd64,windows/amd64")
	_, _, err = release(t, cfg)
	want = "SHA256SUMS, SHA256SUMS.sig changed. The platforms changed: v1.0.0 was published for linux/amd64, and this release adds windows/amd64"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), unexplainedCause) || strings.Contains(err.Error(), "signing key") {
		t.Fatalf("err = %v\nwant a refusal saying %q", err, want)
	}
	checkDistFiles(t, distOf(dir))
}

// TestRepublishFilesAddedNamed: a release of a published version with a
// binary more was refused as if something that reaches the build had
// changed. It must name the files added, by kind.
func TestRepublishFilesAddedNamed(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", multiFiles, "v1.0.0")
	cfg := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64"), Binaries: []Binary{{Main: "./cmd/app"}}}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	cfg.Binaries = append(cfg.Binaries, Binary{Main: "./cmd/tool"})
	_, _, err := release(t, cfg)
	want := "This release adds files v1.0.0 was not published with (sbom tool_1.0.0_linux_amd64.sbom.json)"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), unexplainedCause) {
		t.Fatalf("err = %v\nwant a refusal saying %q", err, want)
	}
}

// TestRepublishChecksumsCovered: the republish check left checksum files
// out, so without a signing step a widened matrix rewrote a published
// version's SHA256SUMS silently. A version published under other archive
// names keeps a checksum file per set of names: each set may be released
// again, a set with other files may not.
func TestRepublishChecksumsCovered(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	dashed := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64")}
	dashed.Archive.Name = "{{.Name}}-{{.Version}}-{{.OS}}-{{.Arch}}"
	plain := Config{Dir: dir, Environ: dashed.Environ}
	var sums []string
	for _, cfg := range []Config{dashed, plain, dashed, plain} {
		if log, _, err := release(t, cfg); err != nil {
			t.Fatalf("%v\n%s", err, log)
		}
		sums = append(sums, string(readDist(t, dir, "SHA256SUMS")))
	}
	if sums[0] == sums[1] || sums[0] != sums[2] || sums[1] != sums[3] {
		t.Errorf("the checksum files of the two sets of names:\n%s", strings.Join(sums, "\n"))
	}
	wide := plain
	wide.Environ = testEnv(envPlatforms + "=linux/amd64,windows/amd64")
	_, _, err := release(t, wide)
	if err == nil || !strings.Contains(err.Error(), "SHA256SUMS changed") || !strings.Contains(err.Error(), "adds windows/amd64") {
		t.Fatalf("err = %v, want a refusal naming SHA256SUMS and the platform added", err)
	}
	if got := string(readDist(t, dir, "SHA256SUMS")); got != sums[3] {
		t.Errorf("the refused release changed SHA256SUMS:\n%s\nwas:\n%s", got, sums[3])
	}
	checkDistFiles(t, distOf(dir))
}

// TestReleaseSaysPartialMatrix: a release narrowed by MAGESTATIC_PLATFORMS
// published the version for part of the matrix without a word. It must
// say so; a release of the configured matrix says nothing of the kind.
func TestReleaseSaysPartialMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	cfg := Config{Dir: dir, Platforms: []string{"linux/amd64", "windows/amd64"}, Environ: testEnv(envPlatforms + "=linux/amd64")}
	log, _, err := release(t, cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	want := "release: MAGESTATIC_PLATFORMS=linux/amd64 leaves out windows/amd64 of the configured matrix: v1.0.0 is published for linux/amd64 only\n"
	if !strings.Contains(log, want) {
		t.Errorf("the narrowed release does not say %q:\n%s", want, log)
	}
	cfg.Environ = testEnv(envPlatforms + "=windows/amd64,linux/amd64")
	cfg.Replace = true
	if log, _, err = release(t, cfg); err != nil || strings.Contains(log, "of the configured matrix") {
		t.Errorf("the release of the configured matrix (%v):\n%s", err, log)
	}
}
