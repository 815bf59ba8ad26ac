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

// checkPorts checks platforms against ports, naming field, where the
// matrix came from, in the error.
func checkPorts(ports platform.Ports, pls []platform.Platform, field string) error {
	if err := ports.Check(pls); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

// toolchain is what the go command says about itself that a run needs
// before it builds, kept in the state by the key of what decides it, so
// that a run whose source changed runs no go command before its builds.
type toolchain struct {
	Key     string         `json:"key"`
	GoCache string         `json:"goCache"` // go env GOCACHE
	Ports   platform.Ports `json:"ports"`   // go tool dist list -json
}

// toolchain returns what the go command says of its build cache and its
// platforms: from the state when its key, made of tool (the toolchain's
// fingerprint, see keys) and the variables that locate the build cache,
// is current; else asked anew with go env and go tool dist list, and
// recorded.
func (r *Run) toolchain(ctx context.Context, tool string) (toolchain, error) {
	parts := []string{"toolchain 1", tool}
	for _, k := range []string{"GOCACHE", "HOME", "XDG_CACHE_HOME", "LocalAppData"} {
		v, set := lookupEnv(r.env.vars, k)
		parts = append(parts, fmt.Sprintf("%s %t %s", k, set, v))
	}
	key := hashStrings(parts...)
	if tc := r.tx.state.Toolchain; tc != nil && tc.Key == key {
		return *tc, nil
	}
	g := r.goTool()
	out, err := g.output(ctx, "env", "GOCACHE")
	if err != nil {
		return toolchain{}, fmt.Errorf("finding the build cache: %w", err)
	}
	ports, err := platform.List(ctx, g.bin, hostEnv(g.vars))
	if err != nil {
		return toolchain{}, err
	}
	tc := toolchain{Key: key, GoCache: strings.TrimSpace(out), Ports: ports}
	r.tx.state.Toolchain = &tc
	return tc, nil
}
