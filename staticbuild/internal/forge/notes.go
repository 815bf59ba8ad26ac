package forge

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/notes"
)

// releaseNotes returns the release's notes: the file of an artifact of
// kind "notes" in list (which a step of the magefile made), else the
// section for the tag's version of the project's file named file (such as
// CHANGELOG.md), else notes made from the commits since the previous tag
// of the same prefix.
func releaseNotes(ctx context.Context, r *staticbuild.Run, list artifact.List, where func(artifact.Artifact) string, file, tag string) (string, error) {
	if n := list.Of("notes"); len(n) > 0 {
		text, err := readFile(where(n[0]))
		if err != nil {
			return "", fmt.Errorf("reading the release notes %s: %w", n[0].Path, err)
		}
		return text, nil
	}
	if file != "" {
		return notes.FromChangelog(filepath.Join(r.Dir, filepath.FromSlash(file)), tag[strings.LastIndex(tag, "/")+1:])
	}
	return notes.FromCommits(ctx, r.Dir, r.Environ(), tag)
}

// readFile reads a file of the release, for the notes.
func readFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	return string(data), err
}
