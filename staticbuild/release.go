package staticbuild

import (
	"context"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// Release builds, verifies and size-checks every platform, then writes archives, SBOMs, checksums and a manifest to dist/.
func Release(ctx context.Context) error {
	return once(ctx, release)
}

func release(ctx context.Context) error {
	_, err := engine.Release(ctx, config())
	return fail(err)
}
