package stamp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// git runs git in dir, in the environment env (see gitInput), and returns
// its trimmed standard output.
func git(ctx context.Context, env []string, dir string, args ...string) (string, error) {
	out, err := gitRaw(ctx, env, dir, args...)
	return strings.TrimSpace(out), err
}

// gitRaw runs git in dir, in the environment env (see gitInput), and
// returns its standard output.
func gitRaw(ctx context.Context, env []string, dir string, args ...string) (string, error) {
	return gitInput(ctx, env, dir, "", args...)
}

// gitCommand returns the git command with args that runs in dir, in env,
// the caller's resolved environment, never the process's: a nil env is an
// empty one. LC_ALL=C and GIT_OPTIONAL_LOCKS=0 come last and so replace
// any value env gives them.
func gitCommand(ctx context.Context, env []string, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	// Without optional locks git status does not write the index it
	// refreshes, so git killed with its run (kill -9, or Ctrl-C, which
	// cancels ctx) never leaves .git/index.lock behind.
	cmd.Env = append(slices.Clip(env), "LC_ALL=C", "GIT_OPTIONAL_LOCKS=0")
	return cmd
}

// gitInput runs git in dir with stdin as its standard input and returns
// its standard output (see gitCommand for its environment). Lines ending
// in CRLF are read as ending in LF unless args ask for -z output.
func gitInput(ctx context.Context, env []string, dir, stdin string, args ...string) (string, error) {
	return startInput(ctx, env, dir, stdin, args...).wait()
}

// gitError returns the error of a git with args that failed in dir with
// err, with what it printed on stderr.
func gitError(args []string, dir string, err error, stderr *bytes.Buffer) error {
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("git is not installed: %w", err)
	}
	return fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
}

// call is a running git, started by start or startInput.
type call struct {
	cmd    *exec.Cmd // nil once waited for
	args   []string
	dir    string
	stdout bytes.Buffer
	stderr bytes.Buffer
	out    string
	err    error
}

// start starts git in dir (see gitCommand for its environment) and
// returns at once; the call's wait returns its standard output.
func start(ctx context.Context, env []string, dir string, args ...string) *call {
	return startInput(ctx, env, dir, "", args...)
}

// startInput starts git in dir with stdin as its standard input and
// returns at once; the call's wait returns its standard output.
func startInput(ctx context.Context, env []string, dir, stdin string, args ...string) *call {
	c := &call{args: args, dir: dir, cmd: gitCommand(ctx, env, dir, args...)}
	c.cmd.Stdin = strings.NewReader(stdin)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		c.cmd, c.err = nil, gitError(args, dir, err, &c.stderr)
	}
	return c
}

// wait waits for the git to exit and returns its standard output, with
// CRLF line ends read as LF unless its arguments ask for -z output, or an
// error with what it printed on stderr. Later calls return the same.
// A nil call waits for nothing and returns nothing.
func (c *call) wait() (string, error) {
	if c == nil {
		return "", nil
	}
	if c.cmd == nil {
		return c.out, c.err
	}
	err := c.cmd.Wait()
	c.cmd = nil
	if err != nil {
		c.err = gitError(c.args, c.dir, err, &c.stderr)
		return "", c.err
	}
	c.out = c.stdout.String()
	if !slices.Contains(c.args, "-z") {
		// On Windows a git (or the shim in front of it) may end its lines
		// with CRLF: read them as LF, so that no path or tag keeps a \r.
		c.out = strings.ReplaceAll(c.out, "\r\n", "\n")
	}
	return c.out, nil
}

// catFile is a git cat-file --batch started before the names of the
// files it is to read are known, so that reading them does not wait for
// a git to start. Its first read gives it the names and ends its input;
// later reads run a git of their own.
type catFile struct {
	ctx    context.Context
	env    []string
	dir    string
	cmd    *exec.Cmd // nil once used, or when it could not start
	in     io.WriteCloser
	stdout bytes.Buffer
	stderr bytes.Buffer
	err    error // why it could not start
}

// startCatFile starts git cat-file --batch in dir, in env (see
// gitCommand). A git that cannot start makes the first read fail.
func startCatFile(ctx context.Context, env []string, dir string) *catFile {
	c := &catFile{ctx: ctx, env: env, dir: dir}
	cmd := gitCommand(ctx, env, dir, "cat-file", "--batch")
	cmd.Stdout, cmd.Stderr = &c.stdout, &c.stderr
	in, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		c.err = gitError(cmd.Args[1:], dir, err, &c.stderr)
		return c
	}
	c.cmd, c.in = cmd, in
	return c
}

// close ends a git cat-file that was not used and waits for it to exit.
// A nil catFile has nothing to close.
func (c *catFile) close() {
	if c != nil && c.cmd != nil {
		c.in.Close()
		c.cmd.Wait()
		c.cmd = nil
	}
}

// read reads the files at the slash-separated paths, relative to the top
// of the tree, from commit rev into files, with nil for one that rev does
// not have. Paths already in files and empty paths are skipped. A git
// that fails or prints what cat-file does not is an error.
func (c *catFile) read(rev string, files map[string][]byte, paths ...string) error {
	var want []string
	var in strings.Builder
	for _, p := range paths {
		if _, seen := files[p]; seen || p == "" || slices.Contains(want, p) {
			continue
		}
		want = append(want, p)
		in.WriteString(rev + ":" + p + "\n")
	}
	if len(want) == 0 {
		return nil
	}
	var out string
	switch {
	case c.err != nil:
		return c.err
	case c.cmd != nil:
		cmd := c.cmd
		c.cmd = nil
		_, werr := io.WriteString(c.in, in.String())
		c.in.Close()
		if err := cmd.Wait(); err != nil {
			return gitError(cmd.Args[1:], c.dir, err, &c.stderr)
		} else if werr != nil {
			return fmt.Errorf("git cat-file --batch in %s: %w", c.dir, werr)
		}
		out = c.stdout.String()
	default:
		var err error
		if out, err = gitInput(c.ctx, c.env, c.dir, in.String(), "cat-file", "--batch"); err != nil {
			return err
		}
	}
	for _, p := range want {
		var err error
		if files[p], out, err = readObject(out); err != nil {
			return fmt.Errorf("reading %s from %s with git cat-file: %w", p, rev, err)
		}
	}
	return nil
}

// readObject reads git cat-file --batch's first answer from out: the
// contents of a file, or nil when it is missing or not a file, and the
// rest of out.
func readObject(out string) (data []byte, rest string, err error) {
	line, rest, ok := strings.Cut(out, "\n")
	if !ok {
		return nil, "", errors.New("unexpected end of output")
	}
	line = strings.TrimSuffix(line, "\r")
	if strings.HasSuffix(line, " missing") || strings.HasSuffix(line, " ambiguous") {
		return nil, rest, nil
	}
	f := strings.Fields(line)
	size := -1
	if len(f) == 3 {
		if n, err := strconv.Atoi(f[2]); err == nil {
			size = n
		}
	}
	if size < 0 {
		return nil, "", fmt.Errorf("bad header %q", line)
	}
	if size >= len(rest) {
		return nil, "", fmt.Errorf("%d bytes of %d, without the newline after them", len(rest), size)
	}
	// The contents end with a newline, CRLF from a git that ends its
	// lines so.
	content, rest := rest[:size], rest[size:]
	rest = strings.TrimPrefix(rest, "\r")
	rest = strings.TrimPrefix(rest, "\n")
	if f[1] != "blob" {
		return nil, rest, nil
	}
	return []byte(content), rest, nil
}

// gits are the gits of one Read, all in the directory dir and the
// environment env (see gitCommand), stopped when ctx, which newGits
// derives from the caller's, is cancelled.
type gits struct {
	ctx    context.Context
	cancel context.CancelFunc
	env    []string
	dir    string
	calls  []*call  // the gits run started
	cat    *catFile // the git cat-file startCatFile started; nil before
}

// newGits returns the gits of one Read in dir, run in env, stopped when
// ctx is done or close is called.
func newGits(ctx context.Context, env []string, dir string) *gits {
	ctx, cancel := context.WithCancel(ctx)
	return &gits{ctx: ctx, cancel: cancel, env: env, dir: dir}
}

// run starts git with args and returns at once (see start).
func (g *gits) run(args ...string) *call {
	c := start(g.ctx, g.env, g.dir, args...)
	g.calls = append(g.calls, c)
	return c
}

// startCatFile starts git cat-file --batch, for goVersion to read files
// of a commit with (see startCatFile).
func (g *gits) startCatFile() {
	g.cat = startCatFile(g.ctx, g.env, g.dir)
}

// close stops the gits still running, waits for every git started to
// exit, then closes git cat-file.
func (g *gits) close() {
	g.cancel()
	for _, c := range g.calls {
		c.wait()
	}
	g.cat.close()
}
