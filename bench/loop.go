package bench

import (
	"fmt"
	"slices"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
)

// loopCommand returns the arguments after the go command and the
// environment of one go build of the loop: the command magestatic runs
// for one platform (CGO_ENABLED=0, -trimpath, VCS information, the
// linker flags), in base without the variables that would change the
// build.
func loopCommand(pkg, output string, pl platform.Platform, ldflags []string, base []string) (args, env []string, err error) {
	for _, a := range ldflags {
		if a == "" || strings.ContainsAny(a, " \t\r\n'\"") {
			return nil, nil, fmt.Errorf("linker argument %q: the loop passes only plain words", a)
		}
	}
	args = []string{"build", "-o", output, "-trimpath", "-buildvcs=true", "-tags=", "-ldflags=" + strings.Join(ldflags, " "), pkg}
	drop := append([]string{"GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED"}, platform.VariantVars()...)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	env = append(env, "GOFLAGS=-trimpath", "GIT_OPTIONAL_LOCKS=0")
	env = append(env, pl.Env()...)
	return args, append(env, "CGO_ENABLED=0"), nil
}
