package staticbuild

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// shardPlatforms is the matrix the shard tests release.
const shardPlatforms = "linux/amd64,linux/arm64,linux/arm/7,darwin/arm64,windows/amd64"

// shardEnv is the environment of a CI job: the matrix, a binary cache of
// its own and, when fresh is set, a build cache of its own too (a cold
// build).
func shardEnv(t *testing.T, fresh bool, extra ...string) []string {
	vars := []string{envPlatforms + "=" + shardPlatforms, envCache + "=" + t.TempDir()}
	if fresh {
		vars = append(vars, "GOCACHE="+filepath.Join(t.TempDir(), "gocache"))
	}
	return testEnv(append(vars, extra...)...)
}

// TestShardsMergeToOneRelease releases a project with two binaries and a
// signing step as 4 shards in 4 clones, each with its own binary cache and
// the first with its own build cache too, merges them in a fifth, and
// compares the merged dist/ file by file with a single machine's release.
func TestShardsMergeToOneRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("six releases, one of them cold")
	}
	t.Parallel()
	origin := testmod.New(t, "", "app", multiFiles, "v1.0.0")
	steps := []Step{{Name: "sign", After: "sizegate", Run: sign}}
	single := testmod.Clone(t, origin)
	var log bytes.Buffer
	if _, err := runRelease(context.Background(), Config{Dir: single, Log: &log, Steps: steps, Environ: shardEnv(t, false)}); err != nil {
		t.Fatalf("single release: %v\n%s", err, log.String())
	}
	shards := filepath.Join(t.TempDir(), "shards")
	for i := 1; i <= 4; i++ {
		dir := testmod.Clone(t, origin)
		log.Reset()
		cfg := Config{Dir: dir, Log: &log, Steps: steps, Environ: shardEnv(t, i == 1, envShard+"="+itoa(i)+"/4")}
		if _, err := runRelease(context.Background(), cfg); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, log.String())
		}
		// actions/upload-artifact keeps no file modes and no hidden files.
		if err := os.CopyFS(filepath.Join(shards, "shard-"+itoa(i)), os.DirFS(filepath.Join(dir, "dist"))); err != nil {
			t.Fatal(err)
		}
	}
	merged := testmod.Clone(t, origin)
	log.Reset()
	if _, err := runMerge(context.Background(), Config{Dir: merged, Log: &log, Steps: steps, MergeFrom: shards, Environ: shardEnv(t, false)}); err != nil {
		t.Fatalf("merge: %v\n%s", err, log.String())
	}
	want, got := testmod.Tree(t, filepath.Join(single, "dist")), testmod.Tree(t, filepath.Join(merged, "dist"))
	for name, data := range want {
		if got[name] != data {
			t.Errorf("%s differs between the single release and the merged one", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok && !strings.HasPrefix(name, "shard-") {
			t.Errorf("the merge wrote %s, which the single release did not", name)
		}
	}
	if len(want) < 20 {
		t.Errorf("the single release has only %d files", len(want))
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

// TestMergeRefusesBadShards builds two shards, then hands Merge shards
// that do not make one release, and checks that each is refused naming
// the shard and that dist/ stays as it was.
func TestMergeRefusesBadShards(t *testing.T) {
	t.Parallel()
	origin := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	env := testEnv(envPlatforms + "=linux/amd64,windows/amd64")
	good := filepath.Join(t.TempDir(), "shards")
	for i := 1; i <= 2; i++ {
		dir := testmod.Clone(t, origin)
		if _, err := runRelease(context.Background(), Config{Dir: dir, Log: io.Discard, Environ: append(env, envShard+"="+itoa(i)+"/2")}); err != nil {
			t.Fatal(err)
		}
		os.CopyFS(filepath.Join(good, "shard-"+itoa(i)), os.DirFS(filepath.Join(dir, "dist")))
	}
	merge := func(t *testing.T, dir, shards string, cfg Config) error {
		t.Helper()
		cfg.Dir, cfg.Log, cfg.MergeFrom = dir, io.Discard, shards
		if cfg.Environ == nil {
			cfg.Environ = env
		}
		_, err := runMerge(context.Background(), cfg)
		return err
	}
	// The good shards merge.
	if err := merge(t, testmod.Clone(t, origin), good, Config{}); err != nil {
		t.Fatalf("good shards: %v", err)
	}
	// spoil copies the good shards and changes the copy.
	spoil := func(t *testing.T, fn func(dir string)) string {
		dir := filepath.Join(t.TempDir(), "shards")
		os.CopyFS(dir, os.DirFS(good))
		fn(dir)
		return dir
	}
	for _, tc := range []struct {
		name   string
		shards func(t *testing.T) string
		cfg    Config
		commit bool
		want   []string
	}{
		{"other commit", func(t *testing.T) string { return good }, Config{}, true, []string{"shard 1/2", "was built from commit"}},
		{"other configuration", func(t *testing.T) string { return good }, Config{Tags: []string{"x"}}, false, []string{"shard 1/2", "another configuration"}},
		{"same platform twice", func(t *testing.T) string {
			return spoil(t, func(dir string) {
				os.RemoveAll(filepath.Join(dir, "shard-2"))
				os.CopyFS(filepath.Join(dir, "shard-2"), os.DirFS(filepath.Join(dir, "shard-1")))
				data, _ := os.ReadFile(filepath.Join(dir, "shard-2", "shard-1-of-2.json"))
				os.Remove(filepath.Join(dir, "shard-2", "shard-1-of-2.json"))
				os.WriteFile(filepath.Join(dir, "shard-2", "shard-2-of-2.json"), bytes.Replace(data, []byte(`"shard": 1`), []byte(`"shard": 2`), 1), 0o644)
			})
		}, Config{}, false, []string{"both built linux/amd64", "and 2/2 ("}},
		{"missing platform", func(t *testing.T) string {
			return spoil(t, func(dir string) { os.RemoveAll(filepath.Join(dir, "shard-2")) })
		}, Config{}, false, []string{"no shard", "built", "1 of 2 were found"}},
		{"changed byte", func(t *testing.T) string {
			return spoil(t, func(dir string) {
				matches, _ := filepath.Glob(filepath.Join(dir, "shard-*", "app_*", "app*"))
				data, _ := os.ReadFile(matches[0])
				data[len(data)/2] ^= 1
				os.WriteFile(matches[0], data, 0o644)
			})
		}, Config{}, false, []string{"the file changed after the shard was written", "/app"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testmod.Clone(t, origin)
			os.MkdirAll(filepath.Join(dir, "dist"), 0o755)
			os.WriteFile(filepath.Join(dir, "dist", "keep"), []byte("mine\n"), 0o644)
			if tc.commit {
				testmod.Git(t, dir, "commit", "-q", "--allow-empty", "-m", "later")
				tc.cfg.Snapshot = true
			}
			err := merge(t, dir, tc.shards(t), tc.cfg)
			if err == nil {
				t.Fatal("Merge accepted the shards")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			files := testmod.Tree(t, filepath.Join(dir, "dist"))
			delete(files, ".gitignore")
			if len(files) != 1 || files["keep"] != "mine\n" {
				t.Errorf("a refused merge changed dist/: %v", files)
			}
		})
	}
}
