package images

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

var files = map[string]string{
	"cmd/app/main.go":  testmod.Hello,
	"cmd/tool/main.go": testmod.Hello,
}

// env is the environment of a run: the matrix, no binary cache, and a
// build cache of its own when fresh is set.
func env(t *testing.T, fresh bool, extra ...string) []string {
	return testmod.Environ(t, fresh, append([]string{"MAGESTATIC_PLATFORMS" + "=linux/amd64,linux/arm64,windows/amd64", "MAGESTATIC_CACHE" + "=off"}, extra...)...)
}

func step() []staticbuild.Step {
	return []staticbuild.Step{Step(Image{Name: "registry.example/acme/app", Binaries: []string{"app", "tool"}, Source: "https://example.com/acme/app"})}
}

// TestReleaseWithImages releases two binaries with an image holding both
// and checks the layout, the manifest, the checksums and Verify.
func TestReleaseWithImages(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	r, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: step(), Environ: env(t, false)}).Release(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	idx := r.Artifacts.Of(artifact.ImageIndex)
	imgs := r.Artifacts.Of(artifact.Image)
	if len(idx) != 1 || len(imgs) != 2 || !strings.HasPrefix(idx[0].Digest, "sha256:") || idx[0].Image != "registry.example/acme/app:v1.0.0" {
		t.Fatalf("index %+v, images %+v: want one index and an image for each linux platform", idx, imgs)
	}
	for _, im := range imgs {
		if im.SHA256 != strings.TrimPrefix(im.Digest, "sha256:") || (im.Platform != "linux/amd64" && im.Platform != "linux/arm64") {
			t.Errorf("image %+v: its manifest's SHA-256 is its digest, and its platform a linux one", im)
		}
	}
	sums, _ := os.ReadFile(filepath.Join(dir, "dist", "SHA256SUMS"))
	for _, a := range append(idx, imgs...) {
		if !strings.Contains(string(sums), a.SHA256+"  "+a.Path+"\n") {
			t.Errorf("SHA256SUMS does not list %s", a.Path)
		}
	}
	// With nothing changed, the next release, images and all, is a no-op.
	var log strings.Builder
	if _, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: step(), Environ: env(t, false)}).Release(context.Background()); err != nil || !strings.Contains(log.String(), "nothing changed") {
		t.Errorf("the second release: %v\n%s", err, log.String())
	}
	// A change to the image's settings is a change: the release runs again,
	// and publishes the same version with other bytes only when told to.
	labelled := []staticbuild.Step{Step(Image{Name: "registry.example/acme/app", Binaries: []string{"app", "tool"}, Source: "https://example.com/acme/app", Labels: map[string]string{"team": "a"}})}
	log.Reset()
	_, err = (staticbuild.Config{Dir: dir, Log: &log, Steps: labelled, Environ: env(t, false)}).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "app_1.0.0_oci/index.json changed") {
		t.Errorf("a release with a new label and the same version: %v, want a refusal naming the index", err)
	}
	r2, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: labelled, Replace: true, Environ: env(t, false)}).Release(context.Background())
	if err != nil || r2.Artifacts.Of(artifact.ImageIndex)[0].Digest == idx[0].Digest {
		t.Errorf("a release with a new label and Replace: %v\n%s", err, log.String())
	}
	if _, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: step(), Replace: true, Environ: env(t, false)}).Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(dir, "dist", "app_1.0.0_oci")
	if skopeo, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command(skopeo, "inspect", "--raw", "oci:"+layout+":v1.0.0").CombinedOutput()
		if err != nil || !strings.Contains(string(out), strings.TrimPrefix(imgs[0].Digest, "sha256:")) {
			t.Errorf("skopeo inspect: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") != "" {
		t.Error("skopeo is not installed")
	}
	cfg := staticbuild.Config{Dir: dir, Log: io.Discard, Environ: env(t, false)}
	if _, err := cfg.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}

	// An image listed for the other platform holds the other binaries.
	manifest := filepath.Join(dir, "dist", "artifacts.json")
	list, _ := artifact.Read(manifest)
	for i := range list {
		switch list[i].Platform {
		case "linux/amd64":
			if list[i].Kind == artifact.Image {
				list[i].Platform, list[i].Arch = "linux/arm64", "arm64"
			}
		case "linux/arm64":
			if list[i].Kind == artifact.Image {
				list[i].Platform, list[i].Arch = "linux/amd64", "amd64"
			}
		}
	}
	artifact.Write(manifest, list)
	_, err = cfg.Verify(context.Background())
	if err == nil || !strings.Contains(err.Error(), "is not the released") || !strings.Contains(err.Error(), "the image's config says platform") {
		t.Errorf("Verify of swapped images: %v", err)
	}
}

// TestImagesReproducible releases in two clones, the first with a build
// cache of its own (a cold build), the second with the shared one, and in
// two shards merged in a third: the same image index digest, and the
// merged dist/ is the single release's.
func TestImagesReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("a cold release")
	}
	t.Parallel()
	origin := testmod.New(t, "", "app", files, "v1.0.0")
	var digests []string
	var single map[string]string
	for i := 0; i < 2; i++ {
		dir := testmod.Clone(t, origin)
		r, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: step(), Environ: env(t, i == 0)}).Release(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, r.Artifacts.Of(artifact.ImageIndex)[0].Digest)
		single = testmod.Tree(t, filepath.Join(dir, "dist"))
	}
	if digests[0] != digests[1] {
		t.Errorf("two clones gave the index digests %s and %s", digests[0], digests[1])
	}
	shards := filepath.Join(t.TempDir(), "shards")
	for i, s := range []string{"1/2", "2/2"} {
		dir := testmod.Clone(t, origin)
		_, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: step(), Environ: env(t, false, "MAGESTATIC_SHARD"+"="+s)}).Release(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		os.CopyFS(filepath.Join(shards, "shard-"+string(rune('1'+i))), os.DirFS(filepath.Join(dir, "dist")))
	}
	merged := testmod.Clone(t, origin)
	if _, err := (staticbuild.Config{Dir: merged, Log: io.Discard, Steps: step(), MergeFrom: shards, Environ: env(t, false)}).Merge(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := testmod.Tree(t, filepath.Join(merged, "dist"))
	for name, data := range single {
		if got[name] != data {
			t.Errorf("%s differs between one machine's release and the merged one", name)
		}
	}
}
