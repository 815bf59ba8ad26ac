package staticbuild

import (
	"context"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// Build builds the binaries for this machine's platform into dist/.
func Build(ctx context.Context) error {
	return once(ctx, build)
}

func build(ctx context.Context) error {
	_, err := engine.Build(ctx, config())
	return fail(err)
}
