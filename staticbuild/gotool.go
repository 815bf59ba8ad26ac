package staticbuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
)

// goTool runs the go command in a module with the host's build
// environment: the run's, without the variables that would point it at
// another platform or change its flags.
type goTool struct {
	bin  string   // the go command, Config.Go
	dir  string   // the module's root
	vars []string // the run's environment
}

// goTool returns the run's go command.
func (r *Run) goTool() goTool { return goTool{bin: r.Config.Go, dir: r.Dir, vars: r.env.vars} }

// output runs the go command with args and returns its standard output;
// its error holds what the command printed on its standard error.
func (g goTool) output(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, g.bin, args...)
	cmd.Dir = g.dir
	cmd.Env = hostEnv(g.vars)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.ExitError
		if errors.As(err, &ee) && msg != "" {
			return "", fmt.Errorf("go %s: %s", args[0], msg)
		}
		return "", fmt.Errorf("go %s: %w: %s", args[0], err, msg)
	}
	return string(out), nil
}

// checkPorts checks platforms against the toolchain's list, naming field,
// where the matrix came from, in the error.
func (g goTool) checkPorts(ctx context.Context, pls []platform.Platform, field string) error {
	ports, err := platform.List(ctx, g.bin, hostEnv(g.vars))
	if err != nil {
		return err
	}
	if err := ports.Check(pls); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}
