package staticbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// Hostile inputs: each is refused with a message naming it, or made
// harmless. Every test logs the message a user sees (go test -v).

// wantErr fails the test unless err contains every one of want, and logs
// the message.
func wantErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error naming %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error does not contain %q:\n%v", w, err)
		}
	}
	t.Logf("the user sees: %v", err)
}

// TestHostileSymlinksInDist puts symbolic links in dist/ where a release
// writes: a platform's directory pointing at a directory outside, and the
// checksum file pointing at a file outside. The release must replace the
// links, never write through them.
func TestHostileSymlinksInDist(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim.txt")
	if err := os.WriteFile(victim, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	victimDir := filepath.Join(outside, "dir")
	os.Mkdir(victimDir, 0o755)
	dist := filepath.Join(dir, "dist")
	os.Mkdir(dist, 0o755)
	for link, target := range map[string]string{"SHA256SUMS": victim, "app_linux_amd64": victimDir, "app_1.0.0_linux_amd64.tar.gz": victim} {
		if err := os.Symlink(target, filepath.Join(dist, link)); err != nil {
			t.Fatal(err)
		}
	}
	log, _, err := release(t, Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64")})
	if data, _ := os.ReadFile(victim); string(data) != "keep me\n" {
		t.Errorf("the release wrote through a link in dist/: %s holds %q", victim, data)
	}
	if entries, _ := os.ReadDir(victimDir); len(entries) > 0 {
		t.Errorf("the release wrote %d files into %s through dist/app_linux_amd64", len(entries), victimDir)
	}
	if err != nil {
		t.Logf("the user sees: %v", err)
		return
	}
	for _, name := range []string{"SHA256SUMS", "app_linux_amd64", "app_1.0.0_linux_amd64.tar.gz"} {
		if fi, err := os.Lstat(filepath.Join(dist, name)); err != nil || fi.Mode()&os.ModeSymlink != 0 {
			t.Errorf("dist/%s is still a link (%v)", name, err)
		}
	}
	checkDistFiles(t, dist)
	t.Logf("the release replaced the links:\n%s", log)
}

// TestHostileArchiveFiles lists files outside the module in
// Config.Archive.Files: with .., absolute, and through a link. Each is
// refused before anything builds.
func TestHostileArchiveFiles(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(outside, []byte("secret\n"), 0o600)
	dir := testmod.New(t, "", "app", releaseFiles, "")
	if err := os.Symlink(outside, filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	testmod.Git(t, dir, "add", "-A")
	testmod.Git(t, dir, "commit", "-qm", "link")
	testmod.Git(t, dir, "tag", "v1.0.0")
	rel, _ := filepath.Rel(dir, outside)
	for name, file := range map[string]string{"dotdot": rel, "absolute": outside, "link": "link.txt", "inner dotdot": "docs/../../x"} {
		t.Run(name, func(t *testing.T) {
			var log bytes.Buffer
			cfg := Config{Dir: dir, Log: &log, Environ: testEnv(envPlatforms + "=linux/amd64"), Archive: Archive{Files: []string{"README.md", file}}}
			_, err := runRelease(context.Background(), cfg)
			wantErr(t, err, "Config.Archive.Files", file)
			if strings.Contains(log.String(), "platform(s)") {
				t.Errorf("the release built before refusing:\n%s", log.String())
			}
		})
	}
}

// TestHostileBinaryNames gives binaries names that would put files outside
// their directory or break lines.
func TestHostileBinaryNames(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	for _, name := range []string{"a/b", "..", "../x", `a\b`, "app\nx", "app\r", "tab\tname"} {
		t.Run(strings.NewReplacer("/", "slash", "\n", "NL", "\r", "CR", "\t", "TAB").Replace(name), func(t *testing.T) {
			var log bytes.Buffer
			cfg := Config{Dir: dir, Log: &log, Environ: testEnv(envPlatforms + "=linux/amd64"), Binaries: []Binary{{Name: name, Main: "."}}}
			_, err := runRelease(context.Background(), cfg)
			wantErr(t, err, "Config.Binaries[0].Name")
		})
	}
}

// TestHostileShardManifest makes a shard's manifest list a file outside
// its directory, and puts a link to a file outside in a shard: the merge
// refuses both and writes nothing.
func TestHostileShardManifest(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello, ".gitignore": "/shards/\n"}, "v1.0.0")
	platforms := []string{"linux/amd64"}
	if _, err := runRelease(context.Background(), Config{Dir: dir, Platforms: platforms, Shard: "1/1", Dist: "shards/1", Environ: testEnv(), Log: &bytes.Buffer{}}); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("secret\n"), 0o644)
	sum := sha256Hex([]byte("secret\n"))
	manifest := filepath.Join(dir, "shards", "1", shardName(1, 1))
	orig, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(m map[string]any){
		"dotdot": func(m map[string]any) {
			m["artifacts"] = append(m["artifacts"].([]any), map[string]any{"path": "../../../secret", "kind": "notes", "sha256": sum, "version": "v1.0.0"})
		},
		"absolute": func(m map[string]any) {
			m["artifacts"] = append(m["artifacts"].([]any), map[string]any{"path": secret, "kind": "notes", "sha256": sum, "version": "v1.0.0"})
		},
		"link": func(m map[string]any) {
			os.Symlink(secret, filepath.Join(dir, "shards", "1", "notes.txt"))
			m["artifacts"] = append(m["artifacts"].([]any), map[string]any{"path": "notes.txt", "kind": "notes", "sha256": sum, "version": "v1.0.0"})
		},
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			json.Unmarshal(orig, &m)
			edit(m)
			data, _ := json.Marshal(m)
			os.WriteFile(manifest, data, 0o644)
			defer os.Remove(filepath.Join(dir, "shards", "1", "notes.txt"))
			_, err := runMerge(context.Background(), Config{Dir: dir, Platforms: platforms, MergeFrom: "shards", Environ: testEnv(), Log: &bytes.Buffer{}})
			wantErr(t, err, "shard 1/1", "outside its directory", "nothing was written")
			if _, err := os.Stat(filepath.Join(dir, "dist", manifestName)); err == nil {
				t.Error("the merge wrote dist/artifacts.json")
			}
		})
	}
}

// TestHostileNamesInGitHubActions releases a binary whose name carries
// workflow-command and Markdown syntax in GitHub Actions: the step
// outputs must parse to the same keys, and no line of the summary or of
// the log may start a workflow command.
func TestHostileNamesInGitHubActions(t *testing.T) {
	t.Parallel()
	const name = "x::warning::pwned%0A::error::y|z"
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	summary, output := filepath.Join(t.TempDir(), "summary.md"), filepath.Join(t.TempDir(), "output")
	env := testEnv(envPlatforms+"=linux/amd64", "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY="+summary, "GITHUB_OUTPUT="+output, "GITHUB_WORKSPACE="+dir)
	var log bytes.Buffer
	_, err := runRelease(context.Background(), Config{Dir: dir, Log: &log, Environ: env, Binaries: []Binary{{Name: name, Main: "."}}})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	out := readOutputs(t, output)
	for k := range out {
		if strings.Contains(k, "::") || strings.Contains(k, "pwned") {
			t.Errorf("the outputs have a key %q made from the name", k)
		}
	}
	md, _ := os.ReadFile(summary)
	for _, text := range []string{string(md), log.String()} {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "::warning") || strings.HasPrefix(strings.TrimSpace(line), "::error") {
				t.Errorf("a line starts a workflow command: %q", line)
			}
		}
	}
	if !strings.Contains(string(md), "pwned") {
		t.Errorf("the summary does not name the binary:\n%s", md)
	}
	t.Logf("outputs %q", out["files"])
}

// TestHostileReadOnlyDist releases into a read-only dist/ (a read-only
// tmpfs, since root ignores file modes).
func TestHostileReadOnlyDist(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	mountTmpfs(t, filepath.Join(dir, "dist"), "ro,size=1m")
	_, _, err := release(t, Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64")})
	wantErr(t, err, "not writable", "read-only file system")
}

// TestHostileFullDist releases a new version into a dist/ with room for
// one release only: the release fails saying the disk is full, and dist/
// keeps the last release whole, with no temporary file.
func TestHostileFullDist(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", releaseFiles, "v1.0.0")
	dist := filepath.Join(dir, "dist")
	mountTmpfs(t, dist, "size=3m")
	cfg := Config{Dir: dir, Environ: testEnv(envPlatforms + "=linux/amd64")}
	if log, _, err := release(t, cfg); err != nil {
		t.Fatalf("the first release does not fit in 3 MB: %v\n%s", err, log)
	}
	before := testmod.Tree(t, dist)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(helloPadded()), 0o644)
	testmod.Git(t, dir, "commit", "-qam", "bigger")
	testmod.Git(t, dir, "tag", "v1.1.0")
	_, _, err := release(t, cfg)
	wantErr(t, err, "no space left on device", "nothing was published")
	after := testmod.Tree(t, dist)
	for name, data := range before {
		if after[name] != data {
			t.Errorf("the failed release changed dist/%s", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("the failed release left dist/%s", name)
		}
	}
	checkDistFiles(t, dist)
}

// helloPadded is testmod.Hello with a megabyte of data, so that its
// binary no longer fits beside the last release.
func helloPadded() string {
	return strings.Replace(testmod.Hello, "func main() {\n", "var pad = \""+strings.Repeat("x", 1<<20)+"\"\n\nfunc main() {\n\tif len(os.Args) > 5 {\n\t\tfmt.Println(pad)\n\t}\n", 1)
}

// sha256Hex returns the hex SHA-256 of data.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
