package forge

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
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
		return changelogSection(filepath.Join(r.Dir, filepath.FromSlash(file)), tag)
	}
	return commitNotes(ctx, r.Dir, r.Environ(), tag)
}

// changelogSection returns the section of a changelog for the version
// tag names.
//
// HOOK(notes): the notes package (staticbuild/internal/notes, branch
// "manifests") provides notes.FromChangelog(path, version); until it is
// merged, the whole file is the notes.
func changelogSection(path, tag string) (string, error) {
	text, err := readFile(path)
	if err != nil {
		return "", fmt.Errorf("release notes: %w", err)
	}
	return text, nil
}

// commitNotes returns notes made from the commits of the release tagged
// tag in the repository at dir.
//
// HOOK(notes): the notes package provides notes.FromCommits(ctx, dir,
// env, tag); until it is merged, the notes are empty.
func commitNotes(ctx context.Context, dir string, env []string, tag string) (string, error) {
	return "", nil
}
