package staticbuild

import (
	"context"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// Cross builds the binaries of every platform in the matrix, in parallel.
func Cross(ctx context.Context) error {
	return once(ctx, cross)
}

func cross(ctx context.Context) error {
	_, err := engine.Cross(ctx, config())
	return fail(err)
}
