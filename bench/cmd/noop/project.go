package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// makeProject writes the measured project into dir and commits it, tagged
// v1.2.3.
func makeProject(ctx context.Context, dir, root, version string, platforms []string, embed, payload int, env []string) error {
	gomod := "module example.com/noop\n\ngo 1.24.0\n\nrequire " + modPath + " " + version + "\n\ntool github.com/magefile/mage\n"
	var extra []string
	if payload > 0 {
		extra = []string{"data/payload.bin"}
	}
	magefile := fmt.Sprintf(`package main

import (
	"context"
	"os"
	"runtime/pprof"
	"runtime/trace"

	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
)

func init() {
	staticbuild.Project = staticbuild.Config{
		Platforms: %#v,
		Archive:   staticbuild.Archive{Files: %#v},
	}
}

// Profile runs Release with a CPU profile written to $NOOP_CPUPROFILE
// and an execution trace to $NOOP_TRACE.
func Profile(ctx context.Context) error {
	cpu, err := os.Create(os.Getenv("NOOP_CPUPROFILE"))
	if err != nil {
		return err
	}
	defer cpu.Close()
	tr, err := os.Create(os.Getenv("NOOP_TRACE"))
	if err != nil {
		return err
	}
	defer tr.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	if err := trace.Start(tr); err != nil {
		return err
	}
	defer trace.Stop()
	return staticbuild.Release(ctx)
}
`, platforms, extra)
	files := map[string]string{"go.mod": gomod, "magefiles/magefile.go": magefile}
	for _, p := range []string{"hello", "netuser"} {
		src, err := os.ReadFile(filepath.Join(root, "examples", p, "main.go"))
		if err != nil {
			return err
		}
		files["cmd/"+p+"/main.go"] = string(src)
	}
	// Random bytes, from a fixed seed, which no archive compresses.
	if payload > 0 {
		files["data/payload.bin"] = random(payload, 1)
	}
	if embed > 0 {
		files["cmd/big/blob.bin"] = random(embed, 2)
		files["cmd/big/main.go"] = bigProgram
	}
	for name, data := range files {
		file := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			return err
		}
	}
	if _, err := command(ctx, dir, env, "go", "mod", "tidy"); err != nil {
		return err
	}
	// Files written in the second git add writes the index are racily
	// clean: git status would read them again on every run, as it cannot
	// record them as clean without the optional lock staticbuild
	// declines. A user's files are older than the index.
	past := time.Now().Add(-time.Hour)
	if err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(path, past, past)
	}); err != nil {
		return err
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "--no-gpg-sign", "-m", "noop"}, {"tag", "v1.2.3"}} {
		if _, err := command(ctx, dir, env, "git", args...); err != nil {
			return err
		}
	}
	return nil
}

// bigProgram is a program that embeds a large file, as one with assets
// does.
const bigProgram = `// Command big prints the size of the file it embeds.
package main

import (
	_ "embed"
	"fmt"
)

//go:embed blob.bin
var blob []byte

func main() { fmt.Println(len(blob)) }
`

// random returns n random bytes from a fixed seed.
func random(n int, seed byte) string {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{'n', 'o', 'o', 'p', seed}).Read(b)
	return string(b)
}

// moduleProxy writes a file:// module proxy into dir that serves the
// module at root (its files git tracks, as they are in the work tree,
// without nested modules) as a pseudo-version named after its contents,
// and returns that version.
func moduleProxy(ctx context.Context, root, dir string) (string, error) {
	out, err := command(ctx, root, os.Environ(), "git", "ls-files", "-z", "--cached")
	if err != nil {
		return "", err
	}
	var names []string
	nested := map[string]bool{}
	for _, name := range strings.Split(out, "\x00") {
		if name == "" {
			continue
		}
		if path.Base(name) == "go.mod" && name != "go.mod" {
			nested[path.Dir(name)+"/"] = true
		}
		names = append(names, name)
	}
	names = slices.DeleteFunc(names, func(name string) bool {
		for d := range nested {
			if strings.HasPrefix(name, d) {
				return true
			}
		}
		_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name)))
		return err != nil // deleted in the work tree
	})
	slices.Sort(names)
	h := sha256.New()
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(data))
		h.Write(data)
	}
	version := "v0.0.0-20260101000000-" + hex.EncodeToString(h.Sum(nil))[:12]

	vdir := filepath.Join(dir, filepath.FromSlash(modPath), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		w, err := zw.Create(modPath + "@" + version + "/" + name)
		if err != nil {
			return "", err
		}
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return "", err
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": fmt.Appendf(nil, `{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, version),
		version + ".mod":  gomod,
		version + ".zip":  buf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	return version, nil
}
