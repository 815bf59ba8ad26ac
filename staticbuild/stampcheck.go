package staticbuild

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/xvar"
)

// checkStamps checks, before anything builds, that every -X variable of
// the jobs to build is one the linker can set: a package-level string
// variable, initialised by a constant, in a package of the build. The
// linker ignores the rest without a word. It runs go list once per main
// package, platform and tags that stamp a variable of the project's own;
// the version package's variables are known to be settable.
func checkStamps(ctx context.Context, r *Run, todo []job) error {
	type check struct {
		j    job
		vars []string
	}
	var checks []check
	seen := map[string]bool{}
	for _, j := range todo {
		var vars []string
		for v := range j.artifact.Build.Stamped {
			if !strings.HasPrefix(v, versionPackage+".") {
				vars = append(vars, v)
			}
		}
		key := strings.Join([]string{j.build.Package, j.platform.Pair(), strings.Join(j.build.Tags, ","), strings.Join(vars, ",")}, " ")
		if len(vars) == 0 || seen[key] {
			continue
		}
		seen[key] = true
		slices.Sort(vars)
		checks = append(checks, check{j, vars})
	}
	var (
		mu     sync.Mutex
		failed *multierror.Error
	)
	err := forEach(ctx, "build", r.Config.Jobs, len(checks), func(i int) error {
		c := checks[i]
		env := append(c.j.build.Environ(r.env.vars), "GOFLAGS=-trimpath -tags="+strings.Join(c.j.build.Tags, ","))
		err := xvar.Check(ctx, r.Config.Go, env, r.Dir, c.j.build.Package, c.vars)
		var xe *xvar.Error
		if err != nil && !errors.As(err, &xe) {
			return fmt.Errorf("checking the -X variables of %s for %s: %w", c.j.target.Name, c.j.platform, err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errlist.Of(err) {
			failed = multierror.Append(failed, fmt.Errorf("%s (%s): %w", c.j.target.Name, c.j.platform, e))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return errlist.List(failed, "build", "-X variables the linker would ignore")
}
