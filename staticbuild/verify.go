package staticbuild

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hashicorp/go-multierror"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/errlist"
	"github.com/magestatic/magestatic/verify"
)

// verifyStep judges every binary of the run, or, when the run has built
// nothing, every binary dist/artifacts.json lists, reading each file
// without running it: it must be statically linked (or, where the OS has
// no static binaries, link only what a pure-Go binary needs), built for
// its platform with its cgo mode, and carry every value stamped with -X;
// in a release, it must come from a clean tree. All binaries are judged;
// the error lists every problem of every one. It needs only the files: no
// git, go command or C compiler.
var verifyStep = Step{Name: "verify", run: func(ctx context.Context, r *Run) (string, error) {
	bins, err := stepBinaries(r, "verify")
	if err != nil {
		return "", err
	}
	return verifyBinaries(ctx, r, bins)
}}

// stepBinaries returns the run's binaries or, when it has built none, those
// the manifest lists, which become the run's artifacts. It fails naming
// step when there are none.
func stepBinaries(r *Run, step string) (artifact.List, error) {
	if bins := r.Artifacts.Of(artifact.Binary); len(bins) > 0 {
		return bins, nil
	}
	list, err := artifact.Read(filepath.Join(r.Dist, manifestName))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(list.Of(artifact.Binary)) == 0) {
		return nil, fmt.Errorf("%s: no binaries listed in %s: run the cross or build target first", step, r.show(manifestName))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	r.Artifacts = list
	return list.Of(artifact.Binary), nil
}

// verifyBinaries judges bins and the run's images, prints a line per
// binary, and records the verdicts and problems in the run's report. It
// fails listing every problem of every binary.
func verifyBinaries(ctx context.Context, r *Run, bins artifact.List) (string, error) {
	pass := r.release && !r.Config.Snapshot
	reports := make([]*verify.Report, len(bins))
	errs := make([]error, len(bins))
	// Every binary is judged; forEach's error is only the cancellation,
	// read from ctx below.
	forEach(ctx, "verify", r.Config.Jobs, len(bins), func(i int) error {
		reports[i], errs[i] = verify.Check(r.Path(bins[i]), policy(bins[i], pass))
		return nil
	})
	if ctx.Err() != nil {
		return "", fmt.Errorf("verify cancelled: %w", context.Cause(ctx))
	}
	r.Logf("verify: %d binaries\n", len(bins))
	var failed *multierror.Error
	r.Reports = nil
	for i, b := range bins {
		rel := r.show(b.Path)
		rep, err := reports[i], errs[i]
		verdict := "FAIL"
		if err == nil && rep.OK {
			verdict = "ok"
		}
		if errors.Is(err, verify.ErrUnknownFormat) && (b.Arch == "wasm" || b.OS == "aix") {
			verdict = "skip"
		}
		r.report.setVerdict(b.Path, verdict)
		if verdict == "skip" {
			r.Logf("  skip  %-12s %-16s %s: no linkage check for this format\n", b.Binary, b.Platform, rel)
			continue
		}
		if err != nil {
			r.report.add(problem{Step: "verify", Binary: b.Binary, Platform: b.Platform, File: rel, Message: err.Error()})
			failed = multierror.Append(failed, fmt.Errorf("%s (%s): %w", rel, b.Platform, err))
			r.Logf("  FAIL  %-12s %-16s %s: %v\n", b.Binary, b.Platform, rel, err)
			continue
		}
		r.Reports = append(r.Reports, rep)
		if rep.OK {
			r.Logf("  ok    %-12s %-16s %-10s %s%s\n", b.Binary, b.Platform, rep.Linkage, rel, systemNote(rep))
			continue
		}
		r.Logf("  FAIL  %-12s %-16s %s: %d problem(s), listed below\n", b.Binary, b.Platform, rel, len(rep.Problems))
		for _, prob := range rep.Problems {
			r.report.add(problem{Step: "verify", Binary: b.Binary, Platform: b.Platform, Message: rel + ": " + prob})
			failed = multierror.Append(failed, fmt.Errorf("%s (%s): %s", rel, b.Platform, prob))
		}
	}
	images := r.Artifacts.Of(artifact.Image)
	for _, prob := range r.checkImages() {
		r.report.add(problem{Step: "verify", Message: prob})
		failed = multierror.Append(failed, errors.New(prob))
	}
	if len(images) > 0 && failed == nil {
		r.Logf("  ok    %d images hold the released binaries\n", len(images))
	}
	if err := errlist.List(failed, "verify", "problems"); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d binaries pass", len(r.Reports)), nil
}

// systemNote returns what the verify table adds to the line of a passing
// binary that links dynamically, which it may only where that is the
// platform's way: every library it loads is the operating system's.
func systemNote(rep *verify.Report) string {
	if rep.Linkage != "dynamic" {
		return ""
	}
	var why string
	switch rep.GOOS {
	case "darwin", "ios":
		why = "every " + rep.GOOS + " binary links libSystem"
	case "windows":
		why = "every windows binary imports kernel32.dll"
	case "openbsd", "solaris", "illumos", "android":
		why = rep.GOOS + " has no static binaries"
	default:
		return ""
	}
	return "  (system libraries only: " + why + ")"
}

// policy returns what a binary must be, from how it was built: pure Go
// unless its cgo mode says otherwise, -trimpath, an executable (a PIE for
// CgoStaticPIE), and, when release is set, from a clean tree.
func policy(b artifact.Artifact, release bool) verify.Policy {
	pol := verify.Policy{GOOS: b.OS, GOARCH: b.Arch, Release: release,
		PureGo: true, Trimpath: true, BuildMode: "exe"}
	if b.Build == nil {
		return pol
	}
	pol.Stamped = b.Build.Stamped
	switch CgoMode(b.Build.Cgo) {
	case CgoStatic:
		pol.Cgo, pol.PureGo, pol.RequireTags = true, false, []string{"netgo", "osusergo"}
	case CgoStaticPIE:
		pol.Cgo, pol.PureGo, pol.RequireTags, pol.BuildMode = true, false, []string{"netgo", "osusergo"}, "pie"
	case CgoDynamic:
		pol.Cgo, pol.PureGo = true, false
	}
	return pol
}
