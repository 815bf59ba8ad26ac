package staticbuild

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// forEach calls fn for each i in [0, n), at most limit at a time, and
// returns the first error. Once ctx is done it starts no more calls, and
// the error says that what was cancelled.
func forEach(ctx context.Context, what string, limit, n int, fn func(i int) error) error {
	var g errgroup.Group
	g.SetLimit(limit)
	for i := range n {
		g.Go(func() error {
			if ctx.Err() != nil {
				return fmt.Errorf("%s cancelled: %w", what, context.Cause(ctx))
			}
			return fn(i)
		})
	}
	return g.Wait()
}
