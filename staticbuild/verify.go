package staticbuild

import (
	"context"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// Verify fails when a binary of the last cross, build or release links dynamically or was not built as configured, or an image does not hold the released binaries.
func Verify(ctx context.Context) error {
	return once(ctx, verifyTarget)
}

func verifyTarget(ctx context.Context) error {
	_, err := engine.Verify(ctx, config())
	return fail(err)
}
