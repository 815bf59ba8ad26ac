// Package stamp reads the version, commit and build time of a source tree
// from git, for injection with -ldflags -X.
//
// The build time is SOURCE_DATE_EPOCH when set, else the commit time; never
// the wall clock, so two builds of one commit are identical.
package stamp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Stamp is what a build records about its source.
type Stamp struct {
	Version   string    // the module's tag on HEAD without its prefix, else git describe style, else "dev"; "-dirty" added when Dirty
	Commit    string    // full commit hash; "" outside git and before the first commit
	Time      time.Time // SOURCE_DATE_EPOCH or commit time, UTC; zero without either
	Tag       string    // the full name of the tag Version comes from ("services/api/v1.2.0"); "" when HEAD has none of the module's tags
	Prefix    string    // the module's tag prefix: its directory below Top, slash-separated ("services/api"); "" at the top
	Tags      []string  // every tag pointing at HEAD, directly or through annotated tags, sorted
	GoVersion string    // the module version the go command records with -buildvcs=true (see Read); "" for "(devel)"
	Dirty     bool      // the tree has changes git status reports (tracked or untracked)
	Changes   []string  // the changed and untracked files, relative to Top
	Top       string    // the top of the git work tree
	Git       bool      // the directory is inside a git work tree
	Shallow   bool      // the repository is a shallow clone, which may lack tags
	NoCommits bool      // the git repository has no commits yet: Version is "dev"
}

// TimeString returns Time in RFC 3339 UTC, or "" when it is zero.
func (s Stamp) TimeString() string {
	if s.Time.IsZero() {
		return ""
	}
	return s.Time.UTC().Format(time.RFC3339)
}

// Read reads the stamp of the module at dir, in a git work tree.
// sourceDateEpoch is the value of SOURCE_DATE_EPOCH ("" when unset).
// Outside a git work tree, or when git is not installed, Read returns
// Version "dev" and no error; in a repository without commits it returns
// Version "dev" and NoCommits; a git that fails inside a work tree is an
// error.
//
// The module is the nearest directory at or above dir, below Top, that has
// a go.mod. As the go command expects, a module in a subdirectory is
// versioned by tags that start with its directory: Version "v1.2.0" comes
// from the tag "services/api/v1.2.0" for the module in services/api, and
// describe-style versions count only those tags. A module whose path ends
// in a major version and whose directory is named after it (v2/ for
// example.com/m/v2) uses the tags of its parent directory, "v2.0.0" at the
// top. The module at the top ignores the tags of subdirectories.
//
// GoVersion is the version the go command stamps as the main module's
// ("mod" in go version -m): the highest of the module's tags on HEAD that
// is an exact semantic version (v1.2.3, v1.3.0-rc.1; not v1.2 or
// v1.2.3+meta) of the major version its path allows, else a pseudo-version
// on the highest tag HEAD descends from (v1.2.4-0.20260102030405-
// 0123456789ab), with "+dirty" when Dirty. So it changes when a tag is
// added to an already built commit, or to an ancestor of an untagged one;
// it is "" where the go command stamps "(devel)", as in a git worktree or
// without a go.mod at the top of the repository. With GOPROXY=off the go command may instead go
// on using a pseudo-version it cached in the module cache for the commit
// before the commit was tagged, which Read cannot see.
//
// Every git runs in env, the caller's resolved environment (nil is an
// empty one, not the process's), with LC_ALL=C and GIT_OPTIONAL_LOCKS=0
// added last, so that they win.
//
// The directories in exclude (absolute paths), such as shards downloaded
// into the checkout for a merge, are left out of Changes.
func Read(ctx context.Context, dir, sourceDateEpoch string, env []string, exclude ...string) (Stamp, error) {
	return ReadMemo(ctx, dir, sourceDateEpoch, env, nil, exclude...)
}

// ReadMemo is Read with memo, what an earlier Read of dir learned besides
// git status (see Memo): when its key still holds, ReadMemo runs git
// status and no other git. It updates memo with what it learns; a nil
// memo is none.
func ReadMemo(ctx context.Context, dir, sourceDateEpoch string, env []string, memo *Memo, exclude ...string) (Stamp, error) {
	var epoch time.Time
	if sourceDateEpoch != "" {
		t, err := parseEpoch(sourceDateEpoch)
		if err != nil {
			return Stamp{Version: "dev"}, err
		}
		epoch = t
	}
	s, err := readGit(ctx, dir, env, memo, exclude)
	if !epoch.IsZero() {
		s.Time = epoch
	}
	if err == nil && s.Git && !s.NoCommits && s.Dirty {
		// Untracked files count, as they do for the go command's
		// vcs.modified; git describe --dirty would ignore them.
		s.Version += "-dirty"
		s.GoVersion = dirtyGoVersion(s.GoVersion)
	}
	return s, err
}

// readGit reads the stamp of dir as Read does, with Time the commit's and
// without the suffixes of a tree with changes.
func readGit(ctx context.Context, dir string, env []string, memo *Memo, exclude []string) (Stamp, error) {
	s := Stamp{Version: "dev"}
	// The gits that need only dir start at once and run side by side: a
	// release with nothing to do waits for the slowest, not for five in
	// turn. A Go program starts one process at a time (os/exec holds
	// syscall.ForkLock until the child runs git), so the first to start is
	// git status, which reads the whole tree, and the last git cat-file,
	// which waits for the others' answers before it reads. When readGit
	// returns, those still running are stopped and all have exited.
	g := newGits(ctx, env, dir)
	defer g.close()
	var status *call
	if len(exclude) == 0 {
		status = g.run(statusArgs()...)
		if memo != nil && memo.Key != "" {
			// A git that fails here fails again below, where it is
			// read as the full read reads it.
			if head, err := s.readStatus(status); err == nil {
				if m, ok := memo.current(dir, env, head); ok {
					m.Changes, m.Dirty = s.Changes, s.Dirty
					return m, nil
				}
			}
		}
	}
	where := g.run("rev-parse", "--show-toplevel", "--show-prefix", "--is-shallow-repository", "--git-common-dir")
	commit := g.run(logArgs()...)
	g.startCatFile()

	modPath, common, err := s.readWhere(where, dir)
	if err != nil || !s.Git {
		return s, err
	}
	if status == nil {
		status = g.run(statusExcluding(s.Top, exclude)...)
	}
	head, err := s.readStatus(status)
	if err != nil {
		return s, err
	}
	sec, err := s.readCommit(commit, dir)
	if err != nil || s.NoCommits {
		return s, err
	}
	if err := s.readVersion(g, modPath, sec); err != nil {
		return s, err
	}
	if len(exclude) == 0 && head == s.Commit {
		memo.record(s, dir, env, common)
	}
	return s, nil
}

// parseEpoch returns the time of SOURCE_DATE_EPOCH's value v, in UTC, or
// an error that says what the value must be.
func parseEpoch(v string) (time.Time, error) {
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want whole seconds since 1970-01-01 UTC", v)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// logArgs returns the arguments that ask git log for the commit, its time
// and the tags on it, as the go command reads them: --decorate-refs
// overrides log.excludeDecoration, --no-decorate log.decorate=full, which
// would print refs/tags/ before each tag, and log.showSignature would add
// the signature's check.
func logArgs() []string {
	return []string{"-c", "log.showSignature=false", "log", "-1", "--no-decorate", "--decorate-refs=refs/tags/", "--format=%H %ct %D"}
}

// readWhere waits for git rev-parse, where, run in dir, and sets Git, Top,
// Shallow and Prefix from what it printed; it returns the path of the
// module, from its go.mod, and git's common directory. Outside a git work
// tree, or when git is not installed, it leaves Git false and returns no
// error; a git that fails otherwise, or prints less than asked, is an
// error.
func (s *Stamp) readWhere(where *call, dir string) (modPath, common string, err error) {
	out, err := where.wait()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || strings.Contains(err.Error(), "not a git repository") {
			return "", "", nil
		}
		return "", "", err
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 4 {
		return "", "", fmt.Errorf("git rev-parse in %s printed %q: want the top of the work tree, the prefix, whether the clone is shallow and git's common directory", dir, out)
	}
	top, sub := lines[0], lines[1]
	s.Git, s.Top, s.Shallow = true, top, lines[2] == "true"
	common = lines[3]
	if !filepath.IsAbs(common) {
		common = filepath.Join(dir, common)
	}
	modDir := moduleDir(top, strings.TrimSuffix(sub, "/"))
	modPath = modulePath(filepath.Join(top, filepath.FromSlash(modDir), "go.mod"))
	s.Prefix = tagPrefix(modDir, modPath)
	return modPath, common, nil
}

// statusExcluding returns the arguments that ask git status for every
// changed and untracked file of the work tree at top but those in the
// directories exclude; those outside top are ignored.
func statusExcluding(top string, exclude []string) []string {
	// The directories to leave out are named relative to the top.
	args := append(statusArgs(), "--", ":(top)")
	for _, e := range exclude {
		if real, err := filepath.EvalSymlinks(e); err == nil {
			e = real
		}
		if rel, err := filepath.Rel(top, e); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			args = append(args, ":(top,exclude)"+filepath.ToSlash(rel))
		}
	}
	return args
}

// readStatus waits for git status and sets Changes and Dirty from what it
// printed; it returns the commit HEAD is at ("" before the first). A git
// that fails is an error.
func (s *Stamp) readStatus(status *call) (head string, err error) {
	out, err := status.wait()
	if err != nil {
		return "", err
	}
	s.Changes, head = parseStatus(out)
	s.Dirty = len(s.Changes) > 0
	return head, nil
}

// readCommit waits for git log, commit, run in dir, and sets Commit, Tags
// and, unless SOURCE_DATE_EPOCH set it, Time; it returns the commit's
// time in Unix seconds. In a repository without commits it sets
// NoCommits and returns no error; a git that fails otherwise, or prints
// what git log does not, is an error.
func (s *Stamp) readCommit(commit *call, dir string) (int64, error) {
	out, err := commit.wait()
	if err != nil {
		if strings.Contains(err.Error(), "does not have any commits") {
			s.NoCommits = true
			return 0, nil
		}
		return 0, err
	}
	hash, sec, tags, err := parseLog(out)
	if err != nil {
		return 0, fmt.Errorf("git log in %s: %w", dir, err)
	}
	s.Commit, s.Tags = hash, tags
	if s.Time.IsZero() {
		s.Time = time.Unix(sec, 0).UTC()
	}
	return sec, nil
}

// readVersion sets Tag, Version and GoVersion of the commit read by
// readCommit, whose time is sec, in the module modPath: Version is the
// highest of the module's tags on the commit, else what git describe
// prints, which starts in g beside goVersion; neither has the suffix of
// a tree with changes. A git that fails is an error.
func (s *Stamp) readVersion(g *gits, modPath string, sec int64) error {
	var describe *call
	tag := pickTag(ownTags(s.Tags, s.Prefix, s.Top))
	if tag == "" {
		// git describe runs beside goVersion, which may run a git too.
		describe = g.run(s.describeArgs()...)
	}
	var err error
	s.GoVersion, err = goVersion(g.ctx, head{env: g.env, cat: g.cat, top: s.Top, commit: s.Commit, time: sec, tags: s.Tags, modPath: modPath})
	if err != nil {
		return err
	}
	if tag != "" {
		s.Tag = tag
		s.Version = s.stripPrefix(tag)
	} else {
		desc, err := describe.wait()
		if err != nil {
			return err
		}
		if desc, err = s.bestDescribed(g.ctx, g.env, g.dir, s.Top, strings.TrimSpace(desc)); err != nil {
			return err
		}
		s.Version = s.stripPrefix(desc)
	}
	return nil
}

// describeArgs returns the arguments that ask git describe for the
// nearest of the module's tags that the commit descends from.
func (s *Stamp) describeArgs() []string {
	args := []string{"describe", "--tags", "--always", "--abbrev=12"}
	if s.Prefix != "" {
		args = append(args, "--match", globEscape(s.Prefix)+"/v[0-9]*")
	} else {
		args = append(args, "--exclude", "*/*")
	}
	return append(args, s.Commit)
}

// statusArgs returns the arguments that ask git status for every changed
// and untracked file and the commit HEAD is at, without counting commits
// ahead of and behind the upstream branch.
func statusArgs() []string {
	return []string{"status", "--porcelain=v2", "-z", "--branch", "--no-ahead-behind", "--untracked-files=all"}
}

// parseLog parses the output of git log --format="%H %ct %D" with
// decorations of tags only: the commit's hash, its committer time, and
// the tags on it, sorted.
func parseLog(out string) (hash string, sec int64, tags []string, err error) {
	f := strings.SplitN(strings.TrimSpace(out), " ", 3)
	if len(f) < 2 || len(f[0]) < 40 {
		return "", 0, nil, fmt.Errorf("printed %q: want the commit's hash, its time and its tags", out)
	}
	sec, err = strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return "", 0, nil, fmt.Errorf("reading commit time %q: %w", f[1], err)
	}
	if len(f) == 3 {
		// "tag: v1.2.3, tag: services/api/v0.3.0": a ref's name has no
		// spaces, so ", " ends it.
		for _, d := range strings.Split(f[2], ", ") {
			if t, ok := strings.CutPrefix(d, "tag: "); ok {
				tags = append(tags, t)
			}
		}
	}
	sort.Strings(tags)
	return f[0], sec, tags, nil
}

// moduleDir returns the nearest directory at or above sub (relative to top,
// slash-separated) that has a go.mod, or sub when none has.
func moduleDir(top, sub string) string {
	for d := sub; ; d = path.Dir(d) {
		if d == "." {
			d = ""
		}
		if _, err := os.Stat(filepath.Join(top, filepath.FromSlash(d), "go.mod")); err == nil {
			return d
		}
		if d == "" {
			return sub
		}
	}
}

// tagPrefix returns the tag prefix of the module with path modPath in the
// directory modDir: modDir, without a last element that repeats the module
// path's major version (v2 for example.com/m/v2).
func tagPrefix(modDir, modPath string) string {
	_, major, ok := splitPathVersion(modPath)
	if ok && major != "" && path.Base(modDir) == major[1:] {
		if d := path.Dir(modDir); d != "." {
			return d
		}
		return ""
	}
	return modDir
}

// ownTags returns the tags that version the module with the tag prefix
// prefix: prefix/vX.Y.Z for a module in a subdirectory; for the module at
// the top, those that do not start with the name of a directory of top.
func ownTags(tags []string, prefix, top string) []string {
	var own []string
	for _, t := range tags {
		if prefix != "" {
			if rest, ok := strings.CutPrefix(t, prefix+"/"); ok && strings.HasPrefix(rest, "v") && fullSemver(rest) != "" {
				own = append(own, t)
			}
			continue
		}
		if i := strings.LastIndex(t, "/"); i >= 0 {
			if fi, err := os.Stat(filepath.Join(top, filepath.FromSlash(t[:i]))); err == nil && fi.IsDir() {
				continue
			}
		}
		own = append(own, t)
	}
	return own
}

var describedRE = regexp.MustCompile(`^(.+)-([0-9]+-g[0-9a-f]+)$`)

// bestDescribed returns the output of git describe, desc, with the tag
// replaced by the highest of the module's tags on that commit: git
// describe takes the first in name order (v0.9.0 before v1.0.0).
func (s Stamp) bestDescribed(ctx context.Context, env []string, dir, top, desc string) (string, error) {
	m := describedRE.FindStringSubmatch(desc)
	if m == nil {
		return desc, nil
	}
	out, err := git(ctx, env, dir, "tag", "--points-at", m[1]+"^{commit}")
	if err != nil {
		return "", err
	}
	var tags []string
	for _, t := range ownTags(strings.Fields(out), s.Prefix, top) {
		if s.Prefix != "" || !strings.Contains(t, "/") {
			tags = append(tags, t)
		}
	}
	if best := pickTag(tags); best != "" && lessVersion(m[1], best) {
		return best + "-" + m[2], nil
	}
	return desc, nil
}

// stripPrefix returns v without the module's tag prefix.
func (s Stamp) stripPrefix(v string) string {
	if s.Prefix == "" {
		return v
	}
	return strings.TrimPrefix(v, s.Prefix+"/")
}

// globEscape quotes the characters that git's wildcard matching treats
// specially.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CheckVersion returns an error when v cannot name files and archives:
// a version must be a non-empty run of ASCII letters, digits and ".", "_",
// "+", "-", without "..".
func CheckVersion(v string) error {
	fix := "use a semantic version tag like v1.2.3"
	if v == "" {
		return fmt.Errorf("the version is empty: %s", fix)
	}
	if strings.Contains(v, "..") {
		return fmt.Errorf("version %q contains \"..\", which cannot be part of a file or archive name: %s", v, fix)
	}
	for _, r := range v {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("._+-", r) {
			continue
		}
		what := fmt.Sprintf("the character %q", r)
		switch {
		case r == '/' || r == '\\':
			what = fmt.Sprintf("the path separator %q", r)
		case unicode.IsSpace(r):
			what = "white space"
		case unicode.IsControl(r):
			what = "a control character"
		}
		return fmt.Errorf("version %q contains %s, which cannot be part of a file or archive name: %s", v, what, fix)
	}
	return nil
}

// parseStatus returns the paths in the output of git status
// --porcelain=v2 -z --branch, and the commit HEAD is at ("" before the
// first commit).
func parseStatus(out string) (paths []string, head string) {
	fields := strings.Split(out, "\x00")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		// The fields before the path: 8 for a change, 9 for a rename or
		// copy (whose source follows), 10 for an unmerged file.
		n := 0
		switch {
		case strings.HasPrefix(f, "# branch.oid "):
			if head = strings.TrimPrefix(f, "# branch.oid "); head == "(initial)" {
				head = ""
			}
		case strings.HasPrefix(f, "? "):
			paths = append(paths, f[2:])
		case strings.HasPrefix(f, "1 "):
			n = 8
		case strings.HasPrefix(f, "2 "):
			n = 9
			i++
		case strings.HasPrefix(f, "u "):
			n = 10
		}
		if p := strings.SplitN(f, " ", n+1); n > 0 && len(p) == n+1 {
			paths = append(paths, p[n])
		}
	}
	return paths, head
}

// pickTag returns the tag to use when HEAD has several: the highest
// semantic version among those that look like one, else the last in sort
// order.
func pickTag(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	sort.Slice(tags, func(i, j int) bool { return lessVersion(tags[i], tags[j]) })
	return tags[len(tags)-1]
}

// lessVersion orders tags that are semantic versions, with or without the
// leading "v", by precedence; other tags sort before them, by name.
func lessVersion(a, b string) bool {
	va, vb := fullSemver(a), fullSemver(b)
	if (va == "") != (vb == "") {
		return va == ""
	}
	if c := compareSemver(va, vb); va != "" && c != 0 {
		return c < 0
	}
	return a < b
}

// fullSemver returns tag as a complete semantic version with a leading v
// ("1.2.3" gives "v1.2.3"), or "" when it is not one.
func fullSemver(tag string) string {
	v := "v" + strings.TrimPrefix(tag, "v")
	if p, ok := parseSemver(v); ok && p.short == "" {
		return v
	}
	return ""
}
