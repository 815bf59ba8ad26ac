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
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
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
