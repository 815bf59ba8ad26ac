//go:build mage

package main

import (
	"context"

	"github.com/magestatic/magestatic/staticbuild"
)

// ReleaseSqlite releases examples/sqlite, a cgo program, statically linked for linux/amd64 and linux/arm64.
func ReleaseSqlite(ctx context.Context) error {
	_, err := (staticbuild.Config{
		Dir:       "examples/sqlite",
		Platforms: []string{"linux/amd64", "linux/arm64"},
		Cgo:       staticbuild.CgoStatic,
		Snapshot:  true,
	}).Release(ctx)
	return err
}
