package archive

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEncodingNamesTheCompressor checks that Encoding names the version of
// the deflate module that go.mod selects, so that a new version of it
// changes the reuse keys of archives.
func TestEncodingNamesTheCompressor(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Version}}", "github.com/klauspost/compress").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	if want := strings.TrimSpace(string(out)); !strings.Contains(Encoding, want) {
		t.Errorf("Encoding = %q, but go.mod selects %s: update Encoding", Encoding, want)
	}
}
