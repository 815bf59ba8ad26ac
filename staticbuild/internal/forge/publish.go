package forge

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"
	"golang.org/x/sync/errgroup"

	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/staticbuild/internal/units"
)

// Options are Publish's settings.
type Options struct {
	// Replace lets Publish change a published release whose assets differ
	// from the files (see Publisher.Replace).
	Replace bool
	// Jobs is how many files are uploaded at once. Default: 4.
	Jobs int
	// Logf receives the progress lines. Default: none.
	Logf func(format string, args ...any)
}

// Check checks, before anything builds, that the release want (its Tag
// and Commit) can be published on f: the token works and may write
// releases, the repository exists, the tag is on the forge at
// want.Commit, and a published release for the tag, if any, was made for
// want.Commit. A published release made for another commit is refused,
// naming both commits and its files, unless replace is set and the
// release is not immutable. Drafts are fine: Publish resumes them.
func Check(ctx context.Context, f Forge, want Release, replace bool) error {
	if err := f.Check(ctx); err != nil {
		return err
	}
	at, err := f.TagCommit(ctx, want.Tag)
	if err != nil {
		return err
	}
	switch {
	case at == "":
		return fmt.Errorf("%s has no tag %s: push the tag: git push origin %s", f, want.Tag, want.Tag)
	case at != want.Commit:
		return fmt.Errorf("the tag %s on %s is at commit %s, not %s, the commit being released: release the commit the tag names, or move the tag there (git push --force origin %s)", want.Tag, f, at, want.Commit, want.Tag)
	}
	rels, err := f.Releases(ctx, want.Tag)
	if err != nil {
		return err
	}
	for _, rel := range rels {
		if rel.Draft || rel.Commit == want.Commit {
			continue
		}
		var names []string
		for _, a := range rel.Assets {
			names = append(names, a.Name)
		}
		what := fmt.Sprintf("the published release %s on %s was made for commit %s, not %s, the commit being released; it holds %s", want.Tag, f, cmp.Or(rel.Commit, "(none recorded)"), want.Commit, listOr(names, "no file"))
		switch {
		case rel.Immutable:
			return fmt.Errorf("%s, and it is immutable, so no file of it can change: release a new version", what)
		case !replace:
			return fmt.Errorf("%s: release a new version, or set Replace to replace its files", what)
		}
	}
	return nil
}

// Publish publishes files as the release want (Tag, Commit, Name, Notes,
// Prerelease) on f, and returns it. It resumes what an earlier run left:
//
//  1. It lists the releases for the tag, drafts included. Of several
//     drafts (a run killed after creating one), it keeps the one with the
//     most assets that are files, byte for byte, and deletes the others.
//     A published release whose assets are the files, byte for byte, is
//     left as it is ("nothing to do"); one that differs is refused, unless
//     opt.Replace is set and it is not immutable: then the assets that
//     differ are deleted, the files uploaded, and the log says so.
//  2. With no release, it creates a draft.
//  3. It uploads each file the draft lacks or holds with other bytes,
//     opt.Jobs at once, and deletes the assets that are no file.
//  4. It lists the release again and checks every asset against its
//     file's SHA-256 (the forge's digest, else the asset's bytes): a
//     mismatch is an error and the release stays a draft.
//  5. It publishes the draft, marked the latest release unless it is a
//     prerelease, and deletes any other draft for the tag.
//
// Every file's Size and SHA256 must be those of the file at its Path.
func Publish(ctx context.Context, f Forge, want Release, files []File, opt Options) (Release, error) {
	p := &publish{f: f, want: want, files: files, opt: opt}
	if p.opt.Logf == nil {
		p.opt.Logf = func(string, ...any) {}
	}
	return p.run(ctx)
}

// publish is one Publish.
type publish struct {
	f     Forge
	want  Release
	files []File
	opt   Options
}

func (p *publish) logf(format string, args ...any) {
	p.opt.Logf("%s %s: "+format+"\n", append([]any{p.f, p.want.Tag}, args...)...)
}

func (p *publish) run(ctx context.Context) (Release, error) {
	rels, err := p.f.Releases(ctx, p.want.Tag)
	if err != nil {
		return Release{}, err
	}
	var drafts []Release
	for _, rel := range rels {
		if rel.Draft {
			drafts = append(drafts, rel)
		}
	}
	for _, rel := range rels {
		if !rel.Draft {
			return p.published(ctx, rel, drafts)
		}
	}
	var rel Release
	switch {
	case len(drafts) == 0:
		if rel, err = p.f.CreateDraft(ctx, p.want); err != nil {
			return Release{}, err
		}
		p.logf("created the draft release %s", cmp.Or(rel.URL, fmt.Sprint(rel.ID)))
	default:
		if rel, err = p.keepBest(ctx, drafts); err != nil {
			return Release{}, err
		}
		p.logf("resuming the draft release %s", cmp.Or(rel.URL, fmt.Sprint(rel.ID)))
	}
	return p.complete(ctx, rel, "published")
}

// complete fills rel with the files, checks every asset, publishes it
// with the wanted name, notes and commit, says done, and deletes the
// other drafts of the tag.
func (p *publish) complete(ctx context.Context, rel Release, done string) (Release, error) {
	if err := p.fill(ctx, rel); err != nil {
		return Release{}, err
	}
	if err := p.verify(ctx, rel.ID); err != nil {
		return Release{}, err
	}
	rel.Name, rel.Notes, rel.Prerelease, rel.Commit = p.want.Name, p.want.Notes, p.want.Prerelease, p.want.Commit
	rel.Latest = !p.want.Prerelease
	out, err := p.f.Publish(ctx, rel)
	if err != nil {
		return Release{}, err
	}
	p.logf("%s %s", done, cmp.Or(out.URL, fmt.Sprint(out.ID)))
	return out, p.deleteDrafts(ctx, out.ID)
}

// published handles a published release for the tag: nothing to do when
// its assets are the files, else a refusal or, with Replace, a repair.
func (p *publish) published(ctx context.Context, rel Release, drafts []Release) (Release, error) {
	diff, err := p.compare(ctx, rel.Assets)
	if err != nil {
		return Release{}, err
	}
	if len(diff) == 0 {
		for _, d := range drafts {
			if err := p.f.DeleteRelease(ctx, d); err != nil {
				return Release{}, err
			}
		}
		if rel.Commit != p.want.Commit && p.opt.Replace && !rel.Immutable {
			// The same bytes from another commit: record the commit, so
			// that the next run's Check finds the release made for it.
			rel.Commit = p.want.Commit
			out, err := p.f.Publish(ctx, rel)
			if err != nil {
				return Release{}, err
			}
			p.logf("the published release %s holds these files already; it now records commit %s", cmp.Or(out.URL, fmt.Sprint(out.ID)), p.want.Commit)
			return out, nil
		}
		p.logf("the published release %s holds these files already: nothing to do", cmp.Or(rel.URL, fmt.Sprint(rel.ID)))
		return rel, nil
	}
	if rel.Commit == p.want.Commit && !rel.Immutable && onlyMissing(diff) {
		// Published before it was complete (Gitea publishes a tag's draft
		// when the tag is pushed): adding the missing files changes no
		// byte that was published.
		p.logf("the published release %s lacks files: %s; uploading them", cmp.Or(rel.URL, fmt.Sprint(rel.ID)), strings.Join(diff, "; "))
		return p.complete(ctx, rel, "completed")
	}
	what := fmt.Sprintf("the published release %s on %s differs from this release: %s", p.want.Tag, p.f, strings.Join(diff, "; "))
	switch {
	case rel.Immutable:
		return Release{}, fmt.Errorf("%s; it is immutable, so no file of it can change: release a new version", what)
	case !p.opt.Replace:
		return Release{}, fmt.Errorf("%s: release a new version, or set Replace to replace its files", what)
	}
	p.logf("replacing the files of the published release: %s", strings.Join(diff, "; "))
	return p.complete(ctx, rel, "replaced the files of")
}

// keepBest returns the draft with the most good assets and deletes the
// other drafts.
func (p *publish) keepBest(ctx context.Context, drafts []Release) (Release, error) {
	best, bestGood := 0, -1
	for i, d := range drafts {
		good := 0
		for _, f := range p.files {
			if a, ok := findAsset(d.Assets, f.Name); ok {
				ok, err := p.same(ctx, a, f)
				if err != nil {
					return Release{}, err
				}
				if ok {
					good++
				}
			}
		}
		if good > bestGood {
			best, bestGood = i, good
		}
	}
	for i, d := range drafts {
		if i == best {
			continue
		}
		if err := p.f.DeleteRelease(ctx, d); err != nil {
			return Release{}, err
		}
		p.logf("deleted the extra draft release %d", d.ID)
	}
	return drafts[best], nil
}

// fill makes rel's assets the files: it keeps the assets that are
// files byte for byte, deletes and uploads the others, and deletes the
// assets that are no file.
func (p *publish) fill(ctx context.Context, rel Release) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(p.opt.Jobs, 4))
	for _, file := range p.files {
		g.Go(func() error {
			a, ok := findAsset(rel.Assets, file.Name)
			if ok {
				same, err := p.same(gctx, a, file)
				if err != nil {
					return err
				}
				if same {
					return nil
				}
				if err := p.f.DeleteAsset(gctx, rel, a); err != nil {
					return err
				}
				p.logf("deleted %s, which had other bytes", a.Name)
			}
			start := time.Now()
			if _, err := p.f.Upload(gctx, rel, file.Name, file.Path, file.Size); err != nil {
				return err
			}
			p.logf("uploaded %s (%s, %s)", file.Name, units.FormatSize(file.Size), time.Since(start).Round(100*time.Millisecond))
			return nil
		})
	}
	for _, a := range rel.Assets {
		if slices.ContainsFunc(p.files, func(f File) bool { return f.Name == a.Name }) {
			continue
		}
		g.Go(func() error {
			if err := p.f.DeleteAsset(gctx, rel, a); err != nil {
				return err
			}
			p.logf("deleted %s, which is no file of this release", a.Name)
			return nil
		})
	}
	return g.Wait()
}

// verify lists the release id again and checks that its assets are the
// files, byte for byte, and nothing else.
func (p *publish) verify(ctx context.Context, id int64) error {
	rels, err := p.f.Releases(ctx, p.want.Tag)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rels, func(r Release) bool { return r.ID == id })
	if i < 0 {
		return fmt.Errorf("%s: the release %d for %s is gone after its files were uploaded: run the release again", p.f, id, p.want.Tag)
	}
	diff, err := p.compare(ctx, rels[i].Assets)
	if err != nil {
		return err
	}
	if len(diff) > 0 {
		return fmt.Errorf("%s: after the upload, the release %s differs from this release: %s; it stays a draft: run the release again", p.f, p.want.Tag, strings.Join(diff, "; "))
	}
	return nil
}

// compare returns how assets differ from the files: each file missing or
// with other bytes, and each asset that is no file.
func (p *publish) compare(ctx context.Context, assets []Asset) ([]string, error) {
	var (
		mu   sync.Mutex
		diff []string
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(p.opt.Jobs, 4))
	for _, f := range p.files {
		g.Go(func() error {
			a, ok := findAsset(assets, f.Name)
			msg := ""
			if !ok {
				msg = f.Name + " is missing"
			} else if same, err := p.same(gctx, a, f); err != nil {
				return err
			} else if !same {
				msg = fmt.Sprintf("%s has other bytes (%d bytes, SHA-256 %s; this release's: %d bytes, %s)", f.Name, a.Size, cmp.Or(a.SHA256, "unknown"), f.Size, f.SHA256)
			}
			if msg != "" {
				mu.Lock()
				diff = append(diff, msg)
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, a := range assets {
		if !slices.ContainsFunc(p.files, func(f File) bool { return f.Name == a.Name }) {
			diff = append(diff, a.Name+" is no file of this release")
		}
	}
	slices.Sort(diff)
	return diff, nil
}

// onlyMissing reports whether every difference compare found is a file
// the release lacks.
func onlyMissing(diff []string) bool {
	for _, d := range diff {
		if !strings.HasSuffix(d, " is missing") {
			return false
		}
	}
	return true
}

// same reports whether the asset a holds the file's bytes: by the forge's
// digest when it gives one, else by downloading it.
func (p *publish) same(ctx context.Context, a Asset, f File) (bool, error) {
	if a.Size != f.Size {
		return false, nil
	}
	if a.SHA256 != "" {
		return strings.EqualFold(a.SHA256, f.SHA256), nil
	}
	rc, err := p.f.Open(ctx, a)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return false, fmt.Errorf("%s: downloading the asset %s: %w", p.f, a.Name, err)
	}
	return hex.EncodeToString(h.Sum(nil)) == f.SHA256, nil
}

// deleteDrafts deletes every draft for the tag but the release keep, such
// as one a create whose response was lost left behind.
func (p *publish) deleteDrafts(ctx context.Context, keep int64) error {
	rels, err := p.f.Releases(ctx, p.want.Tag)
	if err != nil {
		return err
	}
	var errs *multierror.Error
	for _, r := range rels {
		if r.Draft && r.ID != keep {
			if err := p.f.DeleteRelease(ctx, r); err != nil {
				errs = multierror.Append(errs, err)
			}
		}
	}
	return errlist.List(errs, p.f.String(), "drafts left to delete")
}

func findAsset(assets []Asset, name string) (Asset, bool) {
	i := slices.IndexFunc(assets, func(a Asset) bool { return a.Name == name })
	if i < 0 {
		return Asset{}, false
	}
	return assets[i], true
}

// listOr returns the names joined, or none when there are none.
func listOr(names []string, none string) string {
	if len(names) == 0 {
		return none
	}
	return strings.Join(names, ", ")
}
