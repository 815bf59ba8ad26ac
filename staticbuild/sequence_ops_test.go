//go:build unix

package staticbuild

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// seqOp is one kind of operation with its weight in the draw.
type seqOp struct {
	name   string
	weight int
	run    func(s *seq) (wrote bool)
}

// seqOps are the operations a sequence is drawn from.
var seqOpList = []seqOp{
	{"release", 18, func(s *seq) bool { return s.write("release") }},
	{"cross", 7, func(s *seq) bool { return s.write("cross") }},
	{"build", 4, func(s *seq) bool { return s.write("build") }},
	{"merge", 3, (*seq).merge},
	{"verify", 4, func(s *seq) bool { s.run("verify", s.cfg, ""); return false }},
	{"sizebaseline", 2, (*seq).sizeBaseline},
	{"sizegate", 2, func(s *seq) bool { s.run("sizegate", s.cfg, ""); return false }},
	{"edit", 4, (*seq).edit},
	{"commit", 6, (*seq).commit},
	{"tag", 6, (*seq).tag},
	{"move tag", 3, (*seq).moveTag},
	{"checkout old tag", 3, (*seq).checkoutOld},
	{"checkout branch", 3, (*seq).checkoutBranch},
	{"config", 5, (*seq).changeConfig},
	{"kill", 14, (*seq).kill},
	{"two at once", 4, (*seq).twoAtOnce},
	{"corrupt", 8, (*seq).corruptOne},
	{"rm dist", 1, (*seq).removeDist},
}

// step draws an operation, runs it and checks the invariants. It returns
// the operation's description.
func (s *seq) step() string {
	total := 0
	for _, op := range seqOpList {
		total += op.weight
	}
	n := s.rng.IntN(total)
	for _, op := range seqOpList {
		if n -= op.weight; n < 0 {
			s.ops[op.name]++
			s.desc = op.name
			wrote := op.run(s)
			if errs := s.check(wrote); len(errs) > 0 {
				s.broken = errs
			}
			return s.desc
		}
	}
	panic("unreachable")
}

// run runs op to its end and counts its result.
func (s *seq) run(op string, c seqConfig, want string) *seqRun {
	r := s.startChild(op, c, want)
	r.wait(s.t)
	s.count(r)
	return r
}

// count counts a finished run's result.
func (s *seq) count(r *seqRun) {
	switch {
	case r.ok():
		s.results[r.op+" ok"]++
	case r.code == -1:
		s.results[r.op+" killed"]++
	default:
		s.results[r.op+" failed"]++
	}
}

// write runs a release, cross or build to its end; a successful one is
// recorded.
func (s *seq) write(op string) bool {
	r := s.run(op, s.cfg, "")
	s.desc = fmt.Sprintf("%s (%s)", op, s.result(r))
	return s.done(r)
}

// result says how a run ended, with the first line of its error.
func (s *seq) result(r *seqRun) string {
	if r.ok() {
		return "ok"
	}
	if r.code == -1 {
		return "killed"
	}
	out := r.out.String()
	if i := strings.Index(out, "seq: error: "); i >= 0 {
		lines := strings.Split(strings.TrimSpace(out[i+len("seq: error: "):]), "\n")
		return "failed: " + strings.Join(lines[:min(len(lines), 4)], " / ")
	}
	return fmt.Sprintf("exit %d", r.code)
}

// done records a successful writing run and reports whether it wrote.
func (s *seq) done(r *seqRun) bool {
	if !r.ok() {
		return false
	}
	s.recordRun(r)
	return true
}

// recordRun notes what a successful run made, before the checks.
func (s *seq) recordRun(r *seqRun) {
	if r.op == "release" || r.op == "merge" {
		s.tainted, s.stateLost = false, false
	}
	s.record(r)
}

// merge releases two shards into shards/ and merges them into dist/.
func (s *seq) merge() bool {
	if !s.shards() {
		return false
	}
	c := s.cfg
	c.MergeFrom = "shards"
	r := s.run("merge", c, "")
	s.desc = fmt.Sprintf("merge (%s)", s.result(r))
	return s.done(r)
}

// shards releases the two shards of a merge into shards/.
func (s *seq) shards() bool {
	os.RemoveAll(filepath.Join(s.dir, "shards"))
	for i := 1; i <= 2; i++ {
		c := s.cfg
		c.Shard, c.Dist = fmt.Sprintf("%d/2", i), fmt.Sprintf("shards/%d", i)
		if r := s.run("shard", c, ""); !r.ok() {
			s.desc = fmt.Sprintf("merge (shard %d: %s)", i, s.result(r))
			return false
		}
	}
	return true
}

// sizeBaseline writes the size baseline and commits it, as a user does.
func (s *seq) sizeBaseline() bool {
	r := s.run("sizebaseline", s.cfg, "")
	if r.ok() && s.branch && strings.TrimSpace(s.git("status", "--porcelain")) != "" {
		s.git("add", "-A")
		s.git("commit", "-qm", "size baseline")
	}
	return false
}

// edit changes a program or the README, leaving the tree dirty.
func (s *seq) edit() bool {
	switch s.rng.IntN(3) {
	case 0:
		g := []string{"hello", "hi", "hey"}[s.rng.IntN(3)]
		s.writeFile("cmd/app/main.go", seqMain(g))
		s.desc = "edit cmd/app: " + g
	case 1:
		g := []string{"tool", "tool 2"}[s.rng.IntN(2)]
		s.writeFile("cmd/tool/main.go", seqMain(g))
		s.desc = "edit cmd/tool: " + g
	default:
		s.writeFile("README.md", fmt.Sprintf("# seqapp\n\nrev %d\n", s.rng.IntN(4)))
		s.desc = "edit README"
	}
	// Half the edits are committed at once; the others leave the tree
	// dirty, which a release must refuse.
	if s.rng.IntN(2) == 0 {
		desc := s.desc
		s.commit()
		s.desc = desc + ", committed"
	}
	return false
}

// commit commits every change on the branch.
func (s *seq) commit() bool {
	s.checkoutBranch()
	if strings.TrimSpace(s.git("status", "--porcelain")) == "" {
		// The operation's number makes the README new even when the draw
		// repeats the one it holds.
		s.writeFile("README.md", fmt.Sprintf("# seqapp\n\ncommit %d, operation %d\n", s.rng.IntN(1000), len(s.log)+1))
	}
	s.git("add", "-A")
	s.git("commit", "-qm", "change")
	s.desc = "commit"
	return false
}

// tag tags HEAD with a new version, committing first when HEAD has one.
func (s *seq) tag() bool {
	s.checkoutBranch()
	if strings.TrimSpace(s.git("status", "--porcelain")) != "" || strings.TrimSpace(s.git("tag", "--points-at", "HEAD")) != "" {
		s.commit()
	}
	v := fmt.Sprintf("v1.%d.0", s.next)
	s.next++
	s.git("tag", v)
	s.tags = append(s.tags, v)
	s.desc = "tag " + v
	return false
}

// moveTag moves the newest tag to HEAD after a new commit: a version whose
// release must now be refused, or repeat its bytes.
func (s *seq) moveTag() bool {
	s.commit()
	v := s.tags[len(s.tags)-1]
	s.git("tag", "-f", v)
	s.desc = "move tag " + v
	return false
}

// checkoutOld checks out an older tag, detached, as when rebuilding an old
// release.
func (s *seq) checkoutOld() bool {
	v := s.tags[s.rng.IntN(len(s.tags))]
	s.git("checkout", "-q", "-f", v)
	s.branch = false
	s.desc = "checkout " + v
	return false
}

// checkoutBranch goes back to the branch.
func (s *seq) checkoutBranch() bool {
	if !s.branch {
		s.git("checkout", "-q", "-f", s.master)
		s.branch = true
	}
	s.desc = "checkout branch"
	return false
}

// changeConfig changes the binaries, the platforms or the archive names.
func (s *seq) changeConfig() bool {
	switch s.rng.IntN(3) {
	case 0:
		s.cfg.Binaries = [][]string{{"./cmd/app"}, {"./cmd/app", "./cmd/tool"}, {"./cmd/tool"}}[s.rng.IntN(3)]
		s.desc = "config: binaries " + strings.Join(s.cfg.Binaries, ",")
	case 1:
		s.cfg.Platforms = [][]string{{"linux/amd64"}, {"linux/amd64", "windows/amd64"}, {"linux/arm64", "darwin/arm64"}, {"linux/amd64", "darwin/arm64", "windows/amd64"}}[s.rng.IntN(4)]
		s.desc = "config: platforms " + strings.Join(s.cfg.Platforms, ",")
	default:
		s.cfg.ArchiveName = []string{"", "{{.Name}}-{{.Version}}-{{.OS}}-{{.Arch}}"}[s.rng.IntN(2)]
		s.desc = "config: archive name " + s.cfg.ArchiveName
	}
	return false
}

// killPoints are the lines a kill can be aimed at: the start, each step of
// a release (a line of the step itself or of the marking step after it),
// or none, for a random delay.
var killPoints = map[string][]string{
	"release": {"", "seq: start", "build: ", "  start ", "  ok  ", "seq: after build", "verify: ",
		"seq: after verify", "seq: after sizegate", "archive: ", "seq: after archive", "seq: after sbom", "seq: after checksums"},
	"cross": {"", "seq: start", "build: ", "  start ", "  ok  "},
	"build": {"", "seq: start", "build: ", "  start ", "  ok  "},
	"merge": {"", "seq: start", "verify: "},
}

// kill starts a writing run and SIGKILLs or SIGINTs its process group at
// a random moment or when a chosen step's line appears.
func (s *seq) kill() bool {
	op := []string{"release", "release", "release", "cross", "build", "merge"}[s.rng.IntN(6)]
	c := s.cfg
	if op == "merge" {
		// The shards are made first, whole; the merge is what is killed.
		if !s.shards() {
			return false
		}
		c.MergeFrom = "shards"
	}
	points := killPoints[op]
	point := points[s.rng.IntN(len(points))]
	sig, sigName := syscall.SIGKILL, "SIGKILL"
	if s.rng.IntN(3) == 0 {
		sig, sigName = syscall.SIGINT, "SIGINT"
	}
	delay := time.Duration(s.rng.IntN(1500)) * time.Millisecond
	r := s.startChild(op, c, point)
	at := "after " + delay.String()
	if point == "" {
		select {
		case <-r.done:
		case <-time.After(delay):
		}
	} else {
		at = "at " + strings.TrimSpace(point)
		select {
		case <-r.done:
		case <-r.out.seen:
		}
	}
	select {
	case <-r.done:
		s.missed++
		at += " (finished before)"
	default:
		r.signal(sig)
		s.kills[sigName+" "+strings.TrimSpace(cmpOr(point, "random delay"))]++
	}
	r.wait(s.t)
	s.count(r)
	s.desc = fmt.Sprintf("%s %s %s (%s)", sigName, op, at, s.result(r))
	if _, err := os.Stat(filepath.Join(s.dist, manifestName)); !r.ok() && errors.Is(err, fs.ErrNotExist) {
		// Killed while it put its files in place: the old manifest went
		// first, so dist/ says it holds no complete run, and the next
		// release must complete it. Without a manifest before the run
		// (after rm dist, say) the files it put in place are no less a
		// part of an incomplete run.
		s.tainted = true
		if s.hadManifest {
			s.incomplete++
			s.desc += ", dist/ left incomplete"
		}
	}
	return s.done(r)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// twoAtOnce starts two writing runs at once.
func (s *seq) twoAtOnce() bool {
	ops := []string{"release", "cross", "build"}
	a, b := ops[s.rng.IntN(3)], ops[s.rng.IntN(3)]
	r1 := s.startChild(a, s.cfg, "")
	r2 := s.startChild(b, s.cfg, "")
	r1.wait(s.t)
	r2.wait(s.t)
	s.count(r1)
	s.count(r2)
	s.together++
	s.desc = fmt.Sprintf("%s (%s) and %s (%s) at once", a, s.result(r1), b, s.result(r2))
	// Both are recorded before dist/ is checked: it holds what the
	// later one left over the earlier one.
	for _, r := range []*seqRun{r1, r2} {
		if r.ok() {
			s.recordRun(r)
		}
	}
	return r1.ok() || r2.ok()
}

// corruptOne damages a file of dist/, of the binary cache, the state file
// or the manifest: truncated to 0 bytes, or a byte flipped (with its
// modification time kept or not).
func (s *seq) corruptOne() bool {
	var target, name string
	switch s.rng.IntN(4) {
	case 0:
		target, name = "dist file", s.pick(s.dist, func(rel string) bool {
			return rel != stateName && rel != manifestName && rel != lockName && rel != ".gitignore" && !strings.Contains(rel, ".tmp-")
		})
	case 1:
		target, name = "binary cache", s.pick(s.cache, func(rel string) bool { return rel != "trim.txt" })
	case 2:
		target, name = "state file", filepath.Join(s.dist, stateName)
	default:
		target, name = "artifacts.json", filepath.Join(s.dist, manifestName)
	}
	fi, err := os.Stat(name)
	if name == "" || err != nil || fi.Size() == 0 {
		s.desc = "corrupt " + target + ": nothing to corrupt"
		return false
	}
	how := []string{"truncated", "byte flipped", "byte flipped, mtime kept"}[s.rng.IntN(3)]
	data, err := os.ReadFile(name)
	if err != nil {
		s.t.Fatal(err)
	}
	if how == "truncated" {
		data = nil
	} else {
		data[s.rng.IntN(len(data))] ^= byte(1 + s.rng.IntN(255))
	}
	if err := os.WriteFile(name, data, fi.Mode()); err != nil {
		s.t.Fatal(err)
	}
	if strings.HasSuffix(how, "kept") {
		os.Chtimes(name, fi.ModTime(), fi.ModTime())
	}
	s.corrupt[target+" "+how]++
	if target != "binary cache" {
		s.tainted = true
	}
	if target == "state file" {
		s.stateLost = true
		s.forget(true)
	}
	if target == "artifacts.json" && s.stateLost {
		s.forget(false)
	}
	s.desc = fmt.Sprintf("corrupt %s %s: %s", target, s.relTo(name), how)
	return false
}

// pick returns a random file below dir that keep accepts, or "".
func (s *seq) pick(dir string, keep func(rel string) bool) string {
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			if keep(filepath.ToSlash(rel)) {
				files = append(files, p)
			}
		}
		return nil
	})
	slices.Sort(files)
	if len(files) == 0 {
		return ""
	}
	return files[s.rng.IntN(len(files))]
}

// removeDist removes dist/, as rm -rf dist does: the engine forgets what
// was released from it.
func (s *seq) removeDist() bool {
	os.RemoveAll(s.dist)
	s.forgotten += len(s.released)
	s.released = map[string]map[string]string{}
	s.sums = map[string]map[string]seqSet{}
	s.lastRelease = map[string]string{}
	s.hadManifest, s.tainted, s.stateLost = false, false, false
	return false
}

func (s *seq) relTo(name string) string {
	for _, d := range []string{s.dist, s.cache} {
		if rel, err := filepath.Rel(d, name); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.Base(d) + "/" + filepath.ToSlash(rel)
		}
	}
	return name
}

func (s *seq) writeFile(rel, content string) {
	if err := os.WriteFile(filepath.Join(s.dir, filepath.FromSlash(rel)), []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *seq) git(args ...string) string {
	s.t.Helper()
	return testmod.Git(s.t, s.dir, args...)
}
