// Command noop measures a release with nothing to do: the figure
// "nothing changed since the last release; N artifacts in dist are current
// (0.062s)" that staticbuild's Release prints, its own time.
//
// It makes a project in a scratch directory, as a user has one: a module
// with two programs (examples/hello and examples/netuser of the checkout,
// under cmd/) and a third that embeds -embed MiB of random bytes, as a
// program with assets does, so that dist/ is large; with -payload, a
// random file added to every archive through Config.Archive.Files; a
// magefile importing staticbuild, and one commit tagged v1.2.3. The project requires the
// magestatic checkout at -root as an ordinary module version, served by a
// file:// module proxy in the scratch directory, not through a replace
// directive (whose directory every run would fingerprint, which a user's
// run does not). It runs go tool mage release once, then -runs times more
// with nothing changed, and prints the minimum, median and maximum of the
// printed figure and of the command's wall time. Given several checkouts
// (-root before,after), it makes a project for each and alternates their
// runs, so that a load on the machine falls on all alike.
//
// Then it flips one byte of the largest archive, keeping its modification
// time, and checks that the next release rebuilds it instead of calling it
// current.
//
//	cd bench && go run ./cmd/noop -root /path/to/main,/path/to/branch -trace
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/magestatic/magestatic/bench"
)

const modPath = "github.com/magestatic/magestatic"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "noop:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		root      = flag.String("root", "", "the magestatic checkouts to measure, comma-separated, whose runs alternate; default: the one the bench module replaces")
		work      = flag.String("work", "", "scratch directory, emptied first; default: a new temporary directory, removed at the end")
		runs      = flag.Int("runs", 20, "no-op releases to time")
		platforms = flag.String("platforms", "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64,freebsd/amd64", "the project's platforms, comma-separated")
		embedMB   = flag.Int("embed", 24, "size of the random file the third program embeds, in MiB; 0 leaves the program out")
		payloadMB = flag.Int("payload", 0, "size of the random file added to every archive with Config.Archive.Files, in MiB; 0 for none")
		profile   = flag.Int("profile", 0, "also run this many no-op releases of each checkout with a CPU profile and an execution trace, and print where their time went")
		traceGit  = flag.Bool("trace", false, "also write git's GIT_TRACE2_EVENT log of the last no-op run to the scratch directory and print the git commands it ran")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	roots := strings.Split(*root, ",")
	if *root == "" {
		r, err := bench.Checkout(ctx)
		if err != nil {
			return err
		}
		roots = []string{r}
	}
	var err error
	keep := *work != ""
	if keep {
		if err := os.RemoveAll(*work); err != nil {
			return err
		}
		if err := os.MkdirAll(*work, 0o755); err != nil {
			return err
		}
	} else if *work, err = os.MkdirTemp("", "magestatic-noop-"); err != nil {
		return err
	}
	if *work, err = filepath.Abs(*work); err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(*work)
	}

	var subjects []*subject
	for i, r := range roots {
		if r, err = filepath.Abs(r); err != nil {
			return err
		}
		s := &subject{root: r, dir: filepath.Join(*work, strconv.Itoa(i+1))}
		if err := s.prepare(ctx, strings.Split(*platforms, ","), *embedMB<<20, *payloadMB<<20); err != nil {
			return err
		}
		subjects = append(subjects, s)
	}

	// The runs of the checkouts alternate, so that each meets the
	// machine's load as the others do.
	for i := range *runs {
		for _, s := range subjects {
			var trace string
			if *traceGit && i == *runs-1 {
				trace = filepath.Join(s.dir, "git-trace2.log")
			}
			if err := s.noop(ctx, trace, i == 0); err != nil {
				return err
			}
		}
	}
	for _, s := range subjects {
		fmt.Printf("noop: %s: %d no-op releases, %d files and %.0f MB in dist/\n", s.root, len(s.own), s.files, float64(s.size)/1e6)
		fmt.Printf("noop:   printed figure: min %.3fs median %.3fs max %.3fs\n", slices.Min(s.own), median(s.own), slices.Max(s.own))
		fmt.Printf("noop:   wall time of go tool mage release: min %.3fs median %.3fs max %.3fs\n", slices.Min(s.wall), median(s.wall), slices.Max(s.wall))
		if *traceGit {
			if err := printGits(filepath.Join(s.dir, "git-trace2.log")); err != nil {
				return err
			}
		}
	}
	if *profile > 0 {
		for _, s := range subjects {
			if err := s.profile(ctx, *profile); err != nil {
				return err
			}
		}
	}
	for _, s := range subjects {
		if err := checkCorruption(ctx, s.project(), s.env); err != nil {
			return fmt.Errorf("%s: %w", s.root, err)
		}
	}
	return nil
}

// subject is one magestatic checkout being measured, with its project.
type subject struct {
	root string   // the checkout
	dir  string   // its scratch directory
	env  []string // the environment of its project's commands

	size  int64 // of dist/ after the first release
	files int   // in dist/ after the first release

	own, wall []float64 // the printed figures and the wall times, in seconds
}

func (s *subject) project() string { return filepath.Join(s.dir, "project") }

// prepare serves the checkout as a module, makes the project and runs its
// first release.
func (s *subject) prepare(ctx context.Context, platforms []string, embed, payload int) error {
	proxy := filepath.Join(s.dir, "proxy")
	version, err := moduleProxy(ctx, s.root, proxy)
	if err != nil {
		return fmt.Errorf("serving %s as a module: %w", s.root, err)
	}
	fmt.Printf("noop: %s as %s@%s\n", s.root, modPath, version)
	s.env = append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",https://proxy.golang.org",
		"GONOSUMDB="+modPath, "GONOSUMCHECK=1", "GOFLAGS=-mod=mod",
		"GIT_AUTHOR_DATE="+bench.CommitTime, "GIT_COMMITTER_DATE="+bench.CommitTime,
		"GIT_AUTHOR_NAME=noop", "GIT_AUTHOR_EMAIL=noop@example.invalid",
		"GIT_COMMITTER_NAME=noop", "GIT_COMMITTER_EMAIL=noop@example.invalid")
	if err := makeProject(ctx, s.project(), s.root, version, platforms, embed, payload, s.env); err != nil {
		return fmt.Errorf("making the project: %w", err)
	}
	fmt.Println("noop: the first release, which builds everything")
	start := time.Now()
	out, err := command(ctx, s.project(), s.env, "go", "tool", "mage", "release")
	if err != nil {
		return err
	}
	fmt.Printf("%s(%.1fs)\n", indent(lastLines(out, 3)), time.Since(start).Seconds())
	if s.size, s.files, err = treeSize(filepath.Join(s.project(), "dist")); err != nil {
		return err
	}
	fmt.Printf("noop: dist/ holds %d files, %.0f MB\n", s.files, float64(s.size)/1e6)
	if s.size < 250e6 {
		fmt.Println("noop: warning: dist/ holds less than 250 MB; raise -embed")
	}
	return nil
}

var noopLine = regexp.MustCompile(`nothing changed since the last release; [0-9]+ artifacts in \S+ are current \(([0-9.]+)s\)`)

// noop runs a release with nothing to do and records its times. With
// trace set, git writes its GIT_TRACE2_EVENT log there.
func (s *subject) noop(ctx context.Context, trace string, show bool) error {
	env := s.env
	if trace != "" {
		env = append(slices.Clip(env), "GIT_TRACE2_EVENT="+trace)
	}
	start := time.Now()
	out, err := command(ctx, s.project(), env, "go", "tool", "mage", "release")
	w := time.Since(start).Seconds()
	if err != nil {
		return err
	}
	m := noopLine.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("%s: the release did not say nothing changed:\n%s", s.root, out)
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	s.own = append(s.own, f)
	s.wall = append(s.wall, w)
	if show {
		fmt.Print(indent(out))
	}
	return nil
}

// profile runs n no-op releases under the magefile's Profile target and
// prints the functions that took their CPU time and, from the execution
// traces, those that waited in system calls (a git or a file read).
func (s *subject) profile(ctx context.Context, n int) error {
	var cpu, sys []string
	for i := range n {
		c := filepath.Join(s.dir, fmt.Sprintf("cpu-%d.pprof", i))
		t := filepath.Join(s.dir, fmt.Sprintf("trace-%d.out", i))
		out, err := command(ctx, s.project(), append(slices.Clip(s.env), "NOOP_CPUPROFILE="+c, "NOOP_TRACE="+t), "go", "tool", "mage", "profile")
		if err != nil {
			return err
		}
		if !noopLine.MatchString(out) {
			return fmt.Errorf("%s: the profiled release did not say nothing changed:\n%s", s.root, out)
		}
		p := filepath.Join(s.dir, fmt.Sprintf("syscall-%d.pprof", i))
		cmd := exec.CommandContext(ctx, "go", "tool", "trace", "-pprof=syscall", t)
		cmd.Env = s.env
		prof, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("go tool trace -pprof=syscall %s: %w", t, err)
		}
		if err := os.WriteFile(p, prof, 0o644); err != nil {
			return err
		}
		cpu, sys = append(cpu, c), append(sys, p)
	}
	for _, p := range []struct {
		what  string
		files []string
	}{{"CPU", cpu}, {"time in system calls", sys}} {
		args := append([]string{"tool", "pprof", "-top", "-cum", "-nodecount=45"}, p.files...)
		out, err := command(ctx, s.dir, s.env, "go", args...)
		if err != nil {
			return err
		}
		fmt.Printf("noop: %s: %s of %d no-op releases, by function (cumulative):\n%s", s.root, p.what, n, indent(out))
	}
	return nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "") + "\n"
}

// checkCorruption flips a byte in the middle of the largest archive in
// dist/, restores its modification time, and checks that the next release
// does not call it current and writes it as it was.
func checkCorruption(ctx context.Context, project string, env []string) error {
	dist := filepath.Join(project, "dist")
	entries, err := os.ReadDir(dist)
	if err != nil {
		return err
	}
	var archive string
	var largest int64
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() || !strings.HasSuffix(e.Name(), ".tar.gz") && !strings.HasSuffix(e.Name(), ".zip") {
			continue
		}
		if fi.Size() > largest {
			archive, largest = filepath.Join(dist, e.Name()), fi.Size()
		}
	}
	if archive == "" {
		return fmt.Errorf("no archive in %s", dist)
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		return err
	}
	want := sha256.Sum256(data)
	fi, err := os.Stat(archive)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(archive, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt([]byte{data[len(data)/2] ^ 0xff}, int64(len(data)/2))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chtimes(archive, fi.ModTime(), fi.ModTime()); err != nil {
		return err
	}
	out, err := command(ctx, project, env, "go", "tool", "mage", "release")
	if err != nil {
		return fmt.Errorf("the release after %s was damaged: %w", filepath.Base(archive), err)
	}
	if strings.Contains(out, "nothing changed") {
		return fmt.Errorf("after a byte of %s was flipped with its time kept, the release said nothing changed:\n%s", filepath.Base(archive), out)
	}
	data, err = os.ReadFile(archive)
	if err != nil {
		return err
	}
	if sha256.Sum256(data) != want {
		return fmt.Errorf("after a byte of %s was flipped, the release wrote other contents than the first release", filepath.Base(archive))
	}
	fmt.Printf("noop: a flipped byte in %s with its time kept was rebuilt:\n%s", filepath.Base(archive), indent(out))
	return nil
}

// printGits prints the git commands a GIT_TRACE2_EVENT log records: when
// each started, after the first, and how long it ran.
func printGits(log string) error {
	data, err := os.ReadFile(log)
	if err != nil {
		return fmt.Errorf("reading git's trace (did the release run git?): %w", err)
	}
	type event struct {
		Event string    `json:"event"`
		SID   string    `json:"sid"`
		Time  time.Time `json:"time"`
		TAbs  float64   `json:"t_abs"`
		Argv  []string  `json:"argv"`
	}
	type gitRun struct {
		start time.Time
		argv  []string
		secs  float64
	}
	var runs []*gitRun
	bySID := map[string]*gitRun{}
	for line := range strings.Lines(string(data)) {
		var e event
		if json.Unmarshal([]byte(line), &e) != nil || strings.Contains(e.SID, "/") {
			continue // not an event, or one of a git that a git ran
		}
		switch e.Event {
		case "start":
			g := &gitRun{start: e.Time, argv: e.Argv}
			bySID[e.SID] = g
			runs = append(runs, g)
		case "atexit":
			if g := bySID[e.SID]; g != nil {
				g.secs = e.TAbs
			}
		}
	}
	slices.SortFunc(runs, func(a, b *gitRun) int { return a.start.Compare(b.start) })
	for _, g := range runs {
		fmt.Printf("noop:   at +%.4fs for %.4fs: %s\n", g.start.Sub(runs[0].start).Seconds(), g.secs, strings.Join(g.argv, " "))
	}
	fmt.Printf("noop:   the last no-op release ran %d git commands\n", len(runs))
	return nil
}

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

// command runs name with args in dir and returns its standard output and
// standard error, or an error with both.
func command(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s in %s: %w\n%s", name, strings.Join(args, " "), dir, err, out.String())
	}
	return out.String(), nil
}

// treeSize returns the total size and number of the regular files below
// dir.
func treeSize(dir string) (size int64, files int, err error) {
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		size += fi.Size()
		files++
		return nil
	})
	return size, files, err
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func indent(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString("    " + line)
	}
	return b.String()
}
