package staticbuild

import (
	"context"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// Merge puts together in dist/ a release built in shards (MAGESTATIC_SHARD=i/n) from the shard directories in MAGESTATIC_MERGE (default shards/).
func Merge(ctx context.Context) error {
	return once(ctx, merge)
}

func merge(ctx context.Context) error {
	_, err := engine.Merge(ctx, config())
	return fail(err)
}
