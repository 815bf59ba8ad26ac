package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestSizeGateAgainstBaseline records a baseline of a small program, makes
// the program import net/http, and checks that SizeGate fails naming the
// platform and the packages that grew, and that only SizeBaseline writes
// the baseline file.
func TestSizeGateAgainstBaseline(t *testing.T) {
	t.Setenv(EnvPlatforms, "")
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	var log bytes.Buffer
	cfg := Config{Dir: dir, Log: &log, Platforms: []string{"linux/amd64", "windows/arm64"}, Size: Size{MaxGrowth: "10%"}}
	ctx := context.Background()
	if _, err := Cross(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	baseline := filepath.Join(dir, DefaultBaseline)
	if _, err := SizeGate(ctx, cfg); err != nil {
		t.Fatalf("SizeGate with no baseline: %v\n%s", err, log.String())
	}
	if _, err := os.Stat(baseline); err == nil {
		t.Fatal("SizeGate wrote the baseline")
	}
	if _, err := SizeBaseline(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(baseline)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SizeGate(ctx, cfg); err != nil {
		t.Fatalf("SizeGate against its own baseline: %v", err)
	}

	grown := strings.Replace(testmod.Hello, `fmt.Println("hello")`, `if len(os.Args) > 2 {
		http.ListenAndServeTLS(os.Args[1], os.Args[2], os.Args[2], nil)
	}
	fmt.Println("hello")`, 1)
	grown = strings.Replace(grown, `"os"`, `"net/http"
	"os"`, 1)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(grown), 0o644)
	testmod.Git(t, dir, "commit", "-qam", "serve http")
	if _, err := Cross(ctx, cfg); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	log.Reset()
	_, err = SizeGate(ctx, cfg)
	if err == nil {
		t.Fatalf("SizeGate passed a binary that tripled:\n%s", log.String())
	}
	for _, want := range []string{"linux/amd64", "windows/arm64", "more than the 10% allowed", "net/http", "crypto/tls"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if !strings.Contains(log.String(), "BASELINE") {
		t.Errorf("no table in the log:\n%s", log.String())
	}
	after, _ := os.ReadFile(baseline)
	if !bytes.Equal(before, after) {
		t.Error("a failing SizeGate changed the baseline")
	}

	cfg.Size = Size{Budget: "fifty"}
	if _, err := SizeGate(ctx, cfg); err == nil || !strings.Contains(err.Error(), "Config.Size") {
		t.Errorf("a budget written wrong: %v", err)
	}
}
