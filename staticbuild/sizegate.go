package staticbuild

import (
	"context"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// SizeGate fails when a binary of the last cross or build is over its size budget or grew past its margin.
func SizeGate(ctx context.Context) error {
	return once(ctx, sizeGate)
}

func sizeGate(ctx context.Context) error {
	_, err := engine.SizeGate(ctx, config())
	return fail(err)
}

// SizeBaseline records the sizes of the last cross or build as the baseline SizeGate compares with.
func SizeBaseline(ctx context.Context) error {
	return once(ctx, sizeBaseline)
}

func sizeBaseline(ctx context.Context) error {
	_, err := engine.SizeBaseline(ctx, config())
	return fail(err)
}
