package gitea

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/forge"
	"github.com/magestatic/magestatic/staticbuild/internal/giteatest"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestClient runs the Forge methods against a real Gitea, for what the
// publish tests do not reach: a create made again, an upload made again
// (Gitea keeps two assets of one name), a tag with a slash, a draft's
// asset read with the token.
func TestClient(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	t.Parallel()
	srv := giteatest.Start(t)
	repo := srv.CreateRepo(t, "lib")
	dir := filepath.Join(t.TempDir(), "lib")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "README"), []byte("lib\n"), 0o644)
	testmod.Git(t, dir, "init", "-q")
	testmod.Git(t, dir, "add", "-A")
	testmod.Git(t, dir, "commit", "-q", "-m", "lib")
	testmod.Git(t, dir, "tag", "tools/v1.0.0")
	commit := strings.TrimSpace(testmod.Git(t, dir, "rev-parse", "HEAD"))
	srv.Push(t, dir, repo, "HEAD:refs/heads/main", "refs/tags/tools/v1.0.0")
	srv.WaitTag(t, repo, "tools/v1.0.0")

	root, _ := url.Parse(srv.URL)
	c := newClient(root, repo, srv.Token)
	ctx := context.Background()
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	tag := "tools/v1.0.0"
	if got, err := c.TagCommit(ctx, tag); err != nil || got != commit {
		t.Fatalf("TagCommit(%s) = %q, %v; want %s", tag, got, err, commit)
	}
	if got, err := c.TagCommit(ctx, "v9.9.9"); err != nil || got != "" {
		t.Errorf("TagCommit of a missing tag = %q, %v; want nothing", got, err)
	}
	if rels, err := c.Releases(ctx, tag); err != nil || len(rels) != 0 {
		t.Fatalf("Releases before any = %+v, %v", rels, err)
	}
	want := forge.Release{Tag: tag, Commit: commit, Name: "tools 1.0.0", Notes: "notes", Prerelease: true}
	d1, err := c.CreateDraft(ctx, want)
	if err != nil || !d1.Draft || d1.Commit != commit || d1.Tag != tag {
		t.Fatalf("CreateDraft = %+v, %v", d1, err)
	}
	// A create made again, as after a lost answer, finds the draft.
	d2, err := c.CreateDraft(ctx, want)
	if err != nil || d2.ID != d1.ID {
		t.Fatalf("CreateDraft again = %+v, %v; want the draft %d", d2, err, d1.ID)
	}

	file := filepath.Join(t.TempDir(), "lib.tar.gz")
	os.WriteFile(file, []byte("the asset's bytes\n"), 0o644)
	for range 2 { // the second upload replaces the first asset of the name
		if _, err := c.Upload(ctx, d1, "lib.tar.gz", file, 18); err != nil {
			t.Fatal(err)
		}
	}
	rels, err := c.Releases(ctx, tag)
	if err != nil || len(rels) != 1 || len(rels[0].Assets) != 1 || rels[0].Assets[0].Size != 18 {
		t.Fatalf("Releases after two uploads of one name = %+v, %v; want one draft with one asset", rels, err)
	}
	rc, err := c.Open(ctx, rels[0].Assets[0])
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "the asset's bytes\n" {
		t.Errorf("the draft's asset holds %q", data)
	}
	// Without the token, a draft's asset is not there.
	anon := newClient(root, repo, "")
	if rc, err := anon.Open(ctx, rels[0].Assets[0]); err == nil {
		rc.Close()
		t.Errorf("a draft's asset was served without a token")
	}
	if _, err := c.Upload(ctx, d1, "other.txt", file, 5); err == nil || !strings.Contains(err.Error(), "the file has 18 bytes, not the 5") {
		t.Errorf("Upload of a file of another size: %v", err)
	}

	pub, err := c.Publish(ctx, rels[0])
	if err != nil || pub.Draft || !pub.Prerelease || pub.Commit != commit || pub.Name != "tools 1.0.0" || pub.Notes != "notes" {
		t.Fatalf("Publish = %+v, %v", pub, err)
	}
	if err := c.DeleteAsset(ctx, pub, pub.Assets[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAsset(ctx, pub, pub.Assets[0]); err != nil {
		t.Errorf("deleting an asset already gone: %v", err)
	}
	if err := c.DeleteRelease(ctx, pub); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRelease(ctx, pub); err != nil {
		t.Errorf("deleting a release already gone: %v", err)
	}
	if rels, err := c.Releases(ctx, tag); err != nil || len(rels) != 0 {
		t.Errorf("Releases after the delete = %+v, %v", rels, err)
	}
	if got, err := c.TagCommit(ctx, tag); err != nil || got != commit {
		t.Errorf("the tag after the release's delete: %q, %v; want it kept at %s", got, err, commit)
	}
}

// TestOpenElsewhere downloads an asset whose address is on another host
// than the server's (a proxy's or an object store's): the token is not
// sent there.
func TestOpenElsewhere(t *testing.T) {
	var auth []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		io.WriteString(w, "bytes")
	}))
	defer other.Close()
	root, _ := url.Parse("http://gitea.invalid")
	c := newClient(root, "acme/app", "secret-token")
	rc, err := c.Open(context.Background(), forge.Asset{Name: "app.tar.gz", URL: other.URL + "/attachments/1"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "bytes" || len(auth) != 1 || auth[0] != "" {
		t.Errorf("read %q; Authorization sent: %q, want none", data, auth)
	}
}
