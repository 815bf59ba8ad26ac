//go:build mage

package main

import (
	"context"

	"github.com/magestatic/magestatic/staticbuild/engine"
)

// ReleaseSqlite releases examples/sqlite, a cgo program, statically linked for linux/amd64 and linux/arm64.
func ReleaseSqlite(ctx context.Context) error {
	_, err := engine.Release(ctx, engine.Config{
		Dir:       "examples/sqlite",
		Platforms: []string{"linux/amd64", "linux/arm64"},
		Cgo:       engine.CgoStatic,
		Snapshot:  true,
	})
	return err
}
