package image

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestTarball writes the arm64 image as a tarball and loads it with
// podman into a store of its own; skopeo reads it as docker load would.
func TestTarball(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	skopeo := needTool(t, "skopeo", "skopeo")
	podman := needTool(t, "podman", "podman")
	needRoot(t, "podman with a private store")
	r := build(t, testConfig(t), appBinaries(t))
	tarPath := filepath.Join(t.TempDir(), "app.tar")
	if err := WriteTarball(tarPath, "", r, arm64); err != nil {
		t.Fatal(err)
	}

	var info struct {
		Architecture, Os string
	}
	if err := json.Unmarshal([]byte(run(t, skopeo, "inspect", "docker-archive:"+tarPath)), &info); err != nil {
		t.Fatal(err)
	}
	if info.Architecture != "arm64" || info.Os != "linux" {
		t.Errorf("skopeo reads the tarball as %s/%s, want linux/arm64", info.Os, info.Architecture)
	}

	store := t.TempDir()
	pm := []string{podman, "--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run"),
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"}
	out := run(t, append(pm, "load", "--input", tarPath)...)
	if !strings.Contains(out, "Loaded image: example.com/acme/app:v1.2.3") {
		t.Errorf("podman load printed %q", out)
	}
	got := run(t, append(pm, "image", "inspect", "--format", "{{.Id}} {{.Os}}/{{.Architecture}} {{.Config.User}} {{.Config.Entrypoint}}", "example.com/acme/app:v1.2.3")...)
	config := sha256Hash(r.Images[1].img.config).Hex
	if want := config + " linux/arm64 65532:65532 [/usr/local/bin/app]\n"; got != want {
		t.Errorf("podman image inspect: %q, want %q", got, want)
	}
}
