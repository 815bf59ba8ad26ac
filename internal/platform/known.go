package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/magestatic/magestatic/internal/levenshtein"
)

// Port is one entry of "go tool dist list -json".
type Port struct {
	GOOS         string
	GOARCH       string
	CgoSupported bool
	FirstClass   bool
}

// Ports is the set of GOOS/GOARCH pairs a toolchain supports, keyed by
// "os/arch".
type Ports map[string]Port

// List asks the go command at gocmd ("go" when empty) which platforms its
// toolchain supports. env is the environment for the command (nil: the
// process's own).
func List(ctx context.Context, gocmd string, env []string) (Ports, error) {
	if gocmd == "" {
		gocmd = "go"
	}
	cmd := exec.CommandContext(ctx, gocmd, "tool", "dist", "list", "-json")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the toolchain's platforms with %q: %w: %s", cmd.String(), err, strings.TrimSpace(stderr.String()))
	}
	var list []Port
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("reading go tool dist list -json: %w", err)
	}
	ports := make(Ports, len(list))
	for _, p := range list {
		ports[p.GOOS+"/"+p.GOARCH] = p
	}
	return ports, nil
}

// Check returns an error naming every platform the toolchain does not
// support, each with the nearest supported ones.
func (ps Ports) Check(platforms []Platform) error {
	var errs []string
	for _, p := range platforms {
		if _, ok := ps[p.Pair()]; ok {
			continue
		}
		msg := fmt.Sprintf("unknown platform %q: the toolchain does not support %s", p.String(), p.Pair())
		if near := ps.nearest(p.Pair(), 3); len(near) > 0 {
			msg += " (did you mean " + strings.Join(near, ", ") + "?)"
		}
		errs = append(errs, msg)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s; 'go tool dist list' shows every supported platform", strings.Join(errs, "; "))
	}
	return nil
}

// FirstClass returns the first-class ports, sorted.
func (ps Ports) FirstClass() []Platform {
	var out []Platform
	for _, p := range ps {
		if p.FirstClass {
			out = append(out, Platform{OS: p.GOOS, Arch: p.GOARCH})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// nearest returns up to n supported pairs closest to s by edit distance,
// preferring those with the same GOOS.
func (ps Ports) nearest(s string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	goos, _, _ := strings.Cut(s, "/")
	var cs []cand
	for name, p := range ps {
		d := levenshtein.Distance(s, name)
		if p.GOOS != goos {
			d += 2
		}
		cs = append(cs, cand{name, d})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	for _, c := range cs {
		if len(out) == n || c.d > len(s)/2+2 {
			break
		}
		out = append(out, c.name)
	}
	return out
}
