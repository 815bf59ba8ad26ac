package image

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/magestatic/magestatic/staticbuild/internal/image/registrytest"
)

// noDockerConfig points the default keychain at an empty Docker config,
// so that the machine's credentials play no part.
func noDockerConfig(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("REGISTRY_AUTH_FILE", "")
}

// TestPush pushes to a real registry, reads the index back with skopeo,
// pushes again without uploading a blob, and builds on the pushed index
// as a registry base named by digest.
func TestPush(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	skopeo := needTool(t, "skopeo", "skopeo")
	reg := registrytest.Start(t, "")
	noDockerConfig(t)
	bins := appBinaries(t)
	r := build(t, testConfig(t), bins)
	ctx := context.Background()

	ref := reg.Host + "/acme/app:" + r.Tag
	d, err := Push(ctx, ref, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d != r.Digest {
		t.Errorf("Push returned %s, want %s", d, r.Digest)
	}
	first := reg.Uploads()
	if first < 5 { // the base layer, two binary layers, two configs
		t.Errorf("the first push started %d blob uploads, want at least 5\n%s", first, reg.Log())
	}

	raw := run(t, skopeo, "inspect", "--raw", "--tls-verify=false", "docker://"+reg.Host+"/acme/app@"+r.Digest)
	if got := digestOf([]byte(raw)); got != r.Digest {
		t.Errorf("the registry serves the index %s, want %s", got, r.Digest)
	}
	tagged := run(t, skopeo, "inspect", "--raw", "--tls-verify=false", "docker://"+ref)
	if digestOf([]byte(tagged)) != r.Digest {
		t.Errorf("the tag %s names %s, want %s", ref, digestOf([]byte(tagged)), r.Digest)
	}
	out := filepath.Join(t.TempDir(), "copy")
	run(t, skopeo, "copy", "--all", "--src-tls-verify=false", "docker://"+reg.Host+"/acme/app@"+r.Digest, "oci:"+out+":copied")
	var idx struct {
		Manifests []struct{ Digest string }
	}
	b, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &idx); err != nil || len(idx.Manifests) != 1 || idx.Manifests[0].Digest != r.Digest {
		t.Errorf("skopeo copied %s, want the index %s", b, r.Digest)
	}
	if err := Check(out, bins); err != nil {
		t.Errorf("Check on the copy from the registry: %v", err)
	}

	if _, err := Push(ctx, ref, r, nil); err != nil {
		t.Fatal(err)
	}
	if n := reg.Uploads() - first; n != 0 {
		t.Errorf("pushing the same index again started %d blob uploads, want none", n)
	}

	// The layout WriteLayout wrote, pushed as it is under another name:
	// the same digest, and no blob the registry has uploaded again.
	layoutDir := filepath.Join(t.TempDir(), "layout")
	if err := WriteLayout(layoutDir, r); err != nil {
		t.Fatal(err)
	}
	d, err = PushLayout(ctx, reg.Host+"/acme/app:layout", layoutDir, nil)
	if err != nil || d != r.Digest {
		t.Fatalf("PushLayout = %s, %v; want %s", d, err, r.Digest)
	}
	if n := reg.Uploads() - first; n != 0 {
		t.Errorf("pushing the layout of an index the registry has started %d blob uploads, want none", n)
	}
	if tagged := run(t, skopeo, "inspect", "--raw", "--tls-verify=false", "docker://"+reg.Host+"/acme/app:layout"); digestOf([]byte(tagged)) != r.Digest {
		t.Errorf("the tag layout names %s, want %s", digestOf([]byte(tagged)), r.Digest)
	}

	// The pushed index as a base, checked before a build: it exists, and
	// a digest the registry does not have is named as such.
	if err := CheckBase(ctx, reg.Host+"/acme/app@"+r.Digest, nil, []Platform{arm64}); err != nil {
		t.Errorf("CheckBase of the pushed index: %v", err)
	}
	missing := reg.Host + "/acme/app@sha256:" + strings.Repeat("0", 64)
	err = CheckBase(ctx, missing, nil, []Platform{arm64})
	if err == nil || !strings.Contains(err.Error(), reg.Host+" has no manifest sha256:"+strings.Repeat("0", 64)+" in acme/app (HTTP 404)") {
		t.Errorf("CheckBase of a digest the registry lacks: %v", err)
	}
	t.Log(err)

	// The pushed index as a base, by digest.
	cfg := testConfig(t)
	cfg.Base = reg.Host + "/acme/app@" + r.Digest
	cfg.Entrypoint = "app"
	tool := writeTemp(t, "#!/bin/false\n")
	onBase := append(bins, Binary{Platform: arm64, Source: tool, Path: "/usr/local/bin/tool"})
	r2 := build(t, cfg, onBase)
	if r2.BaseDigest != r.Digest || len(r2.Images) != 2 {
		t.Fatalf("built on %s with %d images, want the base %s and 2", r2.BaseDigest, len(r2.Images), r.Digest)
	}
	for i, im := range r2.Images {
		base := r.Images[i].img
		if n := len(im.img.layers); n != len(base.layers)+1 {
			t.Errorf("%s: %d layers, want the base's %d and one", im.Platform, n, len(base.layers))
		}
		if a, b := mustDigest(t, im.img.layers[0]), mustDigest(t, base.layers[0]); a != b {
			t.Errorf("%s: the first layer is %s, the base's %s", im.Platform, a, b)
		}
	}
	cfg.Base = reg.Host + "/acme/app:" + r.Tag
	if _, err := Build(ctx, cfg, bins); err == nil || !strings.Contains(err.Error(), "name the base by digest") {
		t.Errorf("Build on a tag: %v", err)
	}
}

// TestPushErrors checks that a push that cannot reach the registry says
// so, and that one without the credentials the registry wants says that,
// naming the registry, and succeeds with them in the Docker config.
func TestPushErrors(t *testing.T) {
	htpasswd := needTool(t, "htpasswd", "apache2-utils")
	noDockerConfig(t)
	r := build(t, testConfig(t), []Binary{appBinary(t, amd64)})
	ctx := context.Background()

	closed := fmt.Sprintf("127.0.0.1:%d", registrytest.FreePort(t))
	_, err := Push(ctx, closed+"/acme/app", r, nil)
	if err == nil || !strings.Contains(err.Error(), "push "+closed+"/acme/app:v1.2.3 to "+closed+": network error") {
		t.Errorf("Push to a closed port: %v", err)
	}
	t.Log(err)

	users := filepath.Join(t.TempDir(), "htpasswd")
	pw, err := exec.Command(htpasswd, "-Bbn", "ci", "secret").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(users, pw, 0o644); err != nil {
		t.Fatal(err)
	}
	reg := registrytest.Start(t, users)
	ref := reg.Host + "/acme/app:v1"
	_, err = Push(ctx, ref, r, nil)
	if err == nil || !strings.Contains(err.Error(), reg.Host+": authentication failed") || !strings.Contains(err.Error(), "docker login "+reg.Host) {
		t.Errorf("Push without credentials: %v", err)
	}
	t.Log(err)

	conf := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("ci:secret"))
	if err := os.WriteFile(filepath.Join(conf, "config.json"), []byte(`{"auths":{"`+reg.Host+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", conf)
	if _, err := Push(ctx, ref, r, authn.DefaultKeychain); err != nil {
		t.Errorf("Push with credentials in $DOCKER_CONFIG/config.json: %v", err)
	}
}
