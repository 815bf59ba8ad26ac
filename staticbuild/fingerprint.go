package staticbuild

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// keys are the fingerprints of a run's inputs besides the configuration.
type keys struct {
	// fp hashes everything that determines the bytes of a build.
	fp string
	// tool hashes what decides the go command's answers about itself,
	// its build cache and its platforms: the go command, the toolchain
	// version, the go env file, the environment, and go.mod and go.work,
	// which may switch toolchains.
	tool string
	// deps hashes where the module's dependencies come from besides the
	// toolchain: go.sum, go.work.sum and the directories go.mod replaces
	// modules with.
	deps string
}

// fingerprint hashes everything besides the configuration that determines
// the bytes of a build: the source tree (the commit and the contents of
// every changed or untracked file, or every file's size and time outside
// git), go.mod, go.sum and go.work, directories that go.mod replaces
// modules with, the go command and the toolchain version, the go env file,
// and the environment variables that reach the compiler. It runs no go
// command, so that a run with nothing to do costs almost nothing.
//
// The module version the go command stamps into the build information
// from the tags is part of it, and so are the tags on HEAD: a new tag on a
// commit built before changes the binary.
func fingerprint(g goTool, dist, goenv string, st stamp.Stamp) (keys, error) {
	fp, tool, deps := sha256.New(), sha256.New(), sha256.New()
	fmt.Fprintf(fp, "magestatic fingerprint 2\n")
	if err := hashSource(fp, g.dir, dist, st); err != nil {
		return keys{}, err
	}
	fmt.Fprintf(fp, "go version %q\n", st.GoVersion)
	for _, t := range st.Tags {
		fmt.Fprintf(fp, "tag %s\n", t)
	}
	hashFileContent(io.MultiWriter(fp, tool), filepath.Join(g.dir, "go.mod"))
	hashFileContent(io.MultiWriter(fp, deps), filepath.Join(g.dir, "go.sum"))
	if work := findWork(g.dir, g.vars); work != "" {
		hashFileContent(io.MultiWriter(fp, tool), work)
		hashFileContent(io.MultiWriter(fp, deps), work+".sum")
	}
	for _, dir := range localReplacements(filepath.Join(g.dir, "go.mod")) {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(g.dir, dir)
		}
		w := io.MultiWriter(fp, deps)
		fmt.Fprintf(w, "replace %s\n", dir)
		if err := hashTree(w, dir, ""); err != nil {
			return keys{}, err
		}
	}
	gocmd, err := exec.LookPath(g.bin)
	if err != nil {
		return keys{}, err
	}
	if real, err := filepath.EvalSymlinks(gocmd); err == nil {
		gocmd = real
	}
	w := io.MultiWriter(fp, tool)
	if fi, err := os.Stat(gocmd); err == nil {
		fmt.Fprintf(w, "go %s %d %d\n", gocmd, fi.Size(), fi.ModTime().UnixNano())
	}
	hashFileContent(w, filepath.Join(filepath.Dir(filepath.Dir(gocmd)), "VERSION"))
	if goenv != "" {
		hashFileContent(w, goenv)
	}
	for _, kv := range buildEnv(g.vars) {
		fmt.Fprintf(w, "env %s\n", kv)
	}
	sum := func(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
	return keys{fp: sum(fp), tool: sum(tool), deps: sum(deps)}, nil
}

// hashSource hashes the module's source: in git, the commit and every
// changed file; elsewhere, every file's name, size and time.
func hashSource(h io.Writer, dir, dist string, st stamp.Stamp) error {
	if !st.Git {
		return hashTree(h, dir, dist)
	}
	fmt.Fprintf(h, "commit %s\n", st.Commit)
	for _, c := range st.Changes {
		fmt.Fprintf(h, "changed %s\n", c)
		hashFileContent(h, filepath.Join(st.Top, filepath.FromSlash(c)))
	}
	return nil
}

// hashTree hashes the name, size and modification time of every file
// below dir that a build can read, leaving out skip, the directories the go
// command ignores (testdata and names starting with "." or "_"), dist
// directories and test files.
func hashTree(h io.Writer, dir, skip string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == dir {
				fmt.Fprintf(h, "missing %s\n", dir)
				return filepath.SkipDir
			}
			return fmt.Errorf("fingerprinting the source: %w", err)
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (path == skip || name == "testdata" || name == "dist" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "file %s %d %d\n", filepath.ToSlash(rel), fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
}

// hashFileContent hashes a file's name and contents, or that it is missing.
func hashFileContent(h io.Writer, name string) {
	f, err := os.Open(name)
	if err != nil {
		fmt.Fprintf(h, "missing %s\n", name)
		return
	}
	defer f.Close()
	fmt.Fprintf(h, "content %s\n", name)
	io.Copy(h, f)
	fmt.Fprintln(h)
}

// localReplacements returns the directories go.mod's replace directives
// point at.
func localReplacements(gomod string) []string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil
	}
	var dirs []string
	inBlock := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "replace (":
			inBlock = true
			continue
		case inBlock && line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "replace "):
			line = strings.TrimPrefix(line, "replace ")
		case !inBlock:
			continue
		}
		_, target, ok := strings.Cut(line, "=>")
		if !ok {
			continue
		}
		target = strings.Trim(strings.TrimSpace(target), "\"`")
		if strings.HasPrefix(target, "./") || strings.HasPrefix(target, "../") || filepath.IsAbs(target) {
			dirs = append(dirs, target)
		}
	}
	return dirs
}

// buildEnv returns the variables of env that can change what the go
// command builds, sorted. Variables that only locate caches or reach the
// network are left out, and so are those every build sets itself.
func buildEnv(env []string) []string {
	ignore := []string{"GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED", "GOARM", "GOAMD64", "GO386", "GOARM64", "GOMIPS", "GOMIPS64",
		"GOPPC64", "GORISCV64", "GOCACHE", "GOMODCACHE", "GOPATH", "GOTMPDIR", "GOPROXY", "GONOPROXY", "GOPRIVATE",
		"GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOAUTH", "GOTELEMETRY", "GOTELEMETRYDIR", "GOVCS", "GOMAXPROCS", "GOGC", "GODEBUG", "GOTRACEBACK"}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		relevant := strings.HasPrefix(k, "GO") || strings.HasPrefix(k, "CGO_") || strings.HasPrefix(k, "PKG_CONFIG") ||
			slices.Contains([]string{"CC", "CXX", "AR", "SOURCE_DATE_EPOCH", "PATH"}, k)
		if relevant && !slices.Contains(ignore, k) {
			out = append(out, kv)
		}
	}
	slices.Sort(out)
	return out
}

// findWork returns the go.work file the go command uses for dir: GOWORK,
// else the first go.work in dir or a directory above it; "" for none.
func findWork(dir string, vars []string) string {
	switch w := lookup(vars, "GOWORK"); w {
	case "off":
		return ""
	case "":
	default:
		return w
	}
	for d := dir; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(filepath.Join(d, "go.work")); err == nil && fi.Mode().IsRegular() {
			return filepath.Join(d, "go.work")
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
