// Package gobuild runs one "go build" for one platform: an argv slice, never
// a shell string, in an environment that does not depend on the caller's,
// writing its output atomically.
package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
)

// Job is one go build invocation.
type Job struct {
	Go       string            // go command; "go" when empty
	Dir      string            // directory to run in: the module root
	Package  string            // main package, as go build takes it ("./cmd/app")
	Output   string            // final path of the binary
	Platform platform.Platform // target platform
	Cgo      bool              // CGO_ENABLED=1; otherwise 0
	VCS      bool              // record VCS information (-buildvcs=true); otherwise -buildvcs=false
	Tags     []string          // build tags
	Flags    []string          // further go build flags, before -ldflags
	Ldflags  []string          // linker arguments, one element per argument: "-X", "main.v=a b"
	Env      []string          // environment added last, overriding what Job sets
	Base     []string          // environment to start from, required: the caller's resolved one (empty but not nil for none)
}

// Args returns the arguments after the go command.
func (j Job) Args(output string) ([]string, error) {
	ld, err := JoinLdflags(j.Ldflags)
	if err != nil {
		return nil, err
	}
	vcs := "-buildvcs=false"
	if j.VCS {
		vcs = "-buildvcs=true"
	}
	args := []string{"build", "-o", output, "-trimpath", vcs, "-tags=" + strings.Join(j.Tags, ",")}
	args = append(args, j.Flags...)
	args = append(args, "-ldflags="+ld, j.Package)
	return args, nil
}

// Environ returns the environment of the go command: base without anything
// that would make the build depend on it (GOFLAGS, GOOS, GOARCH, the
// architecture variants, CGO_ENABLED), then GIT_OPTIONAL_LOCKS=0, the
// platform, cgo setting and j.Env.
func (j Job) Environ(base []string) []string {
	drop := append([]string{"GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED"}, platform.VariantVars()...)
	env := make([]string, 0, len(base)+8)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	// A non-empty GOFLAGS hides the one in the user's go env file; -trimpath
	// is passed anyway. The git status the go command runs for -buildvcs
	// takes no lock on the index, so a build killed with its run never
	// leaves .git/index.lock behind.
	env = append(env, "GOFLAGS=-trimpath", "GIT_OPTIONAL_LOCKS=0")
	env = append(env, j.Platform.Env()...)
	cgo := "CGO_ENABLED=0"
	if j.Cgo {
		cgo = "CGO_ENABLED=1"
	}
	env = append(env, cgo)
	return append(env, j.Env...)
}

// Command returns the command line as a person would type it, for logs.
func (j Job) Command() string {
	args, err := j.Args(j.Output)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(strings.Join(j.Platform.Env(), " "))
	if j.Cgo {
		b.WriteString(" CGO_ENABLED=1")
	} else {
		b.WriteString(" CGO_ENABLED=0")
	}
	for _, e := range j.Env {
		b.WriteString(" " + shellQuote(e))
	}
	b.WriteString(" " + j.gocmd())
	for _, a := range args {
		b.WriteString(" " + shellQuote(a))
	}
	return b.String()
}

func (j Job) gocmd() string {
	if j.Go == "" {
		return "go"
	}
	return j.Go
}

// Result is what a finished build reports.
type Result struct {
	Output   string        // final path of the binary
	Size     int64         // bytes
	Duration time.Duration // wall time of go build
	Log      string        // everything go build printed (warnings, on success)
}

// Error is a failed build.
type Error struct {
	Platform platform.Platform
	Log      string // everything go build printed
	Err      error
}

// Error returns the platform, the failure and the part of the output that
// explains it (see Summary).
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %v", e.Platform, e.Err)
	if sum := Summary(e.Log); sum != "" {
		msg += "\n" + indent(sum, "    ")
	}
	return msg
}

// Full returns the platform, the failure and everything go build printed.
func (e *Error) Full() string {
	msg := fmt.Sprintf("%s: %v", e.Platform, e.Err)
	if log := strings.TrimRight(e.Log, "\n"); strings.TrimSpace(log) != "" {
		msg += "\n" + indent(log, "    ")
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Run builds the job. The binary is built under a temporary name in the
// output's directory and renamed into place only when go build succeeded,
// so a failed or cancelled build never leaves a file under the final name.
// Cancelling ctx kills go build and every process it started.
func (j Job) Run(ctx context.Context) (Result, error) {
	fail := func(log string, err error) (Result, error) {
		return Result{}, &Error{Platform: j.Platform, Log: log, Err: err}
	}
	if err := os.MkdirAll(filepath.Dir(j.Output), 0o755); err != nil {
		return fail("", fmt.Errorf("creating output directory: %w", err))
	}
	tmp := atomicfile.TempName(j.Output)
	defer os.Remove(tmp)
	args, err := j.Args(tmp)
	if err != nil {
		return fail("", err)
	}
	if j.Base == nil {
		// An empty environment would build without HOME, PATH or GOCACHE,
		// and the process's would undo the caller's resolving it.
		return fail("", errors.New("gobuild: Job.Base is nil: a bug in the caller, which must pass the environment it resolved"))
	}
	cmd := exec.CommandContext(ctx, j.gocmd(), args...)
	cmd.Dir = j.Dir
	cmd.Env = j.Environ(j.Base)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	started, release := ownProcessGroup(cmd)
	defer release()
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err = cmd.Start()
	if err == nil {
		if err = started(); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
		} else {
			err = cmd.Wait()
		}
	}
	took := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return fail(out.String(), fmt.Errorf("cancelled: %w", context.Cause(ctx)))
		}
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return fail("", fmt.Errorf("the go command %q is not on PATH: install Go or set the Go field of the config: %w", j.gocmd(), err))
		}
		return fail(out.String(), fmt.Errorf("go build failed: %w", err))
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return fail(out.String(), fmt.Errorf("go build wrote no binary: %w", err))
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fail(out.String(), err)
	}
	if err := atomicfile.Rename(tmp, j.Output); err != nil {
		return fail(out.String(), fmt.Errorf("moving the binary into place: %w", err))
	}
	return Result{Output: j.Output, Size: fi.Size(), Duration: took, Log: out.String()}, nil
}

// JoinLdflags joins linker arguments into one -ldflags value that the go
// command splits back into the same arguments. An argument with white space
// is quoted; one with white space and both kinds of quote cannot be passed
// through -ldflags and is an error. A value whose first argument does not
// start with "-" or is quoted gets the package pattern "all=", which the
// go command then requires.
func JoinLdflags(args []string) (string, error) {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		space := strings.ContainsAny(a, " \t\r\n")
		lead := a != "" && (a[0] == '\'' || a[0] == '"')
		switch {
		case a != "" && !space && !lead:
			b.WriteString(a)
		case !strings.Contains(a, "'"):
			b.WriteString("'" + a + "'")
		case !strings.Contains(a, `"`):
			b.WriteString(`"` + a + `"`)
		default:
			return "", fmt.Errorf("linker argument %q has white space and both single and double quotes: the go command cannot pass it through -ldflags", a)
		}
	}
	ld := b.String()
	if ld != "" && ld[0] != '-' {
		// The go command reads a value that does not start with "-" as
		// pattern=flags, and refuses one that starts with a quote: name
		// the pattern, "all", which holds the main package.
		ld = "all=" + ld
	}
	return ld, nil
}

// Summary returns what of a failed build's output explains the failure:
// the lines that name an error, at most ten, each with the "# package" line
// above it and the indented lines that continue it, then the last lines of
// the output where they add to those, with "..." for the lines left out in
// between and at the end. The errors are compiler positions
// (file.go:12:3: msg), linker and go command errors (flag provided but not
// defined, undefined, cannot, error:, go: ...); the usage text a tool
// prints after one is left out but for its first line. Without any error
// line, it is the last 20 lines.
func Summary(log string) string {
	const maxErrors, tail, tailAlone = 10, 10, 20
	lines := strings.Split(strings.ReplaceAll(strings.TrimRight(log, "\n"), "\r\n", "\n"), "\n")
	show := make([]bool, len(lines))
	header, errs := -1, 0
	for i, line := range lines {
		if strings.HasPrefix(line, "# ") {
			header = i
			continue
		}
		if errs == maxErrors || !namesError(line) {
			continue
		}
		errs++
		if header >= 0 {
			show[header] = true
		}
		show[i] = true
		for j := i + 1; j < len(lines) && j <= i+4 && strings.HasPrefix(lines[j], "\t"); j++ {
			show[j] = true
		}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "usage: ") {
			show[i+1] = true
		}
	}
	n := tail
	if errs == 0 {
		n = tailAlone
	}
	usage := false // in the usage text a tool printed after an error
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "usage: "):
			usage = errs > 0
		case strings.HasPrefix(line, "# "):
			usage = false
		}
		if i >= len(lines)-n && !usage {
			show[i] = true
		}
	}
	var b strings.Builder
	last := -1
	for i, line := range lines {
		if !show[i] || (last < 0 && strings.TrimSpace(line) == "") {
			continue
		}
		if last >= 0 && i > last+1 {
			b.WriteString("...\n")
		}
		b.WriteString(line + "\n")
		last = i
	}
	if last >= 0 && last < len(lines)-1 {
		b.WriteString("...\n")
	}
	return strings.TrimSpace(b.String())
}

// errorWords are what lines that name an error contain, in lower case.
var errorWords = []string{
	"error", "undefined", "undeclared", "cannot", "can't", "not defined",
	"not found", "no such", "invalid", "missing", "failed", "fatal",
	"panic:", "relocation", "duplicate", "unknown", "unrecognized",
	"unsupported", "not supported", "requires go", "no required module",
	"not in std", "build constraints exclude", "no go files", "note: ",
}

// namesError reports whether a line of go build output names an error:
// not an indented line, such as the linker's usage text.
func namesError(line string) bool {
	if line == "" || line[0] == ' ' || line[0] == '\t' {
		return false
	}
	if positionRE.MatchString(line) {
		return true
	}
	if rest, ok := strings.CutPrefix(line, "go: "); ok {
		return !strings.HasPrefix(rest, "downloading ") && !strings.HasPrefix(rest, "finding ") && !strings.HasPrefix(rest, "extracting ")
	}
	low := strings.ToLower(line)
	for _, w := range errorWords {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

// Position is a place in the source that go build reported an error at.
type Position struct {
	File    string // relative to the directory go build ran in, slash-separated, when inside it
	Line    int
	Col     int    // 0 when the message gives none
	Message string // the message, with its continuation lines after "\n"
}

// positionRE matches "file.go:12:3: msg" and "file.s:12: msg", with an
// optional drive letter.
var positionRE = regexp.MustCompile(`^((?:[A-Za-z]:)?[^:\s][^:]*\.[A-Za-z0-9_]+):([0-9]+)(?::([0-9]+))?: (.*)$`)

// Positions returns the source positions in go build output, for
// annotations in CI. dir is the directory go build ran in: the go command
// prints a file relative to it ("cmd/x/main.go", "./main.go",
// "../lib/lib.go") or absolute. File is relative to dir and slash-separated
// when the file is inside dir, else the file's path joined to dir.
// Indented lines that follow a position (the compiler's "have" and "want")
// continue its message.
func Positions(log, dir string) []Position {
	var list []Position
	continued := false // the line before was a position or continued one
	for line := range strings.Lines(log) {
		line = strings.TrimRight(line, "\r\n")
		if continued && strings.HasPrefix(line, "\t") {
			list[len(list)-1].Message += "\n" + strings.TrimSpace(line)
			continue
		}
		m := positionRE.FindStringSubmatch(line)
		if continued = m != nil; !continued {
			continue
		}
		p := Position{File: sourceFile(m[1], dir), Message: m[4]}
		p.Line, _ = strconv.Atoi(m[2])
		p.Col, _ = strconv.Atoi(m[3])
		list = append(list, p)
	}
	return list
}

// sourceFile returns the file go build printed as name, having run in dir,
// relative to dir when inside it.
func sourceFile(name, dir string) string {
	file := filepath.FromSlash(name)
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	rel, err := filepath.Rel(dir, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.Clean(file)
	}
	return filepath.ToSlash(rel)
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// shellQuote quotes s for display in a POSIX shell.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
