package staticbuild

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// TestSourceDateEpochRange checks that New refuses a SOURCE_DATE_EPOCH
// that rpm packages and zip archives cannot record (unsigned 32-bit
// seconds), naming the variable and the limit, and that Release then
// writes nothing; and that it accepts the limit itself and times before
// 1980, which every output but zip records.
func TestSourceDateEpochRange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  []string // nil: accepted
	}{
		{"99999999999", []string{`SOURCE_DATE_EPOCH="99999999999" is 5138-11-16T09:46:39Z`, "unsigned 32-bit seconds", "up to 4294967295 (2106-02-07T06:28:15Z)"}},
		{"4294967296", []string{`SOURCE_DATE_EPOCH="4294967296" is 2106-02-07T06:28:16Z`, "up to 4294967295"}},
		{"-1", []string{`SOURCE_DATE_EPOCH="-1": want whole seconds since 1970-01-01 UTC`}},
		{"soon", []string{`SOURCE_DATE_EPOCH="soon": want whole seconds`}},
		{"4294967295", nil},
		{"0", nil},
		{"1767323045", nil},
	} {
		dir := t.TempDir()
		cfg := Config{Dir: dir, Log: io.Discard, Environ: testEnv(envSourceDateEpoch + "=" + tc.value)}
		r, err := resolve(cfg)
		if err == nil {
			r.close()
		}
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s=%s: %v", envSourceDateEpoch, tc.value, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s=%s: New accepted it", envSourceDateEpoch, tc.value)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s=%s: the error does not say %q:\n%v", envSourceDateEpoch, tc.value, w, err)
			}
		}
		if _, err := runRelease(context.Background(), cfg); err == nil {
			t.Errorf("%s=%s: Release passed", envSourceDateEpoch, tc.value)
		}
		if _, err := os.Stat(filepath.Join(dir, "dist")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s=%s: the refused release made dist/ (%v)", envSourceDateEpoch, tc.value, err)
		}
	}
}

// TestCommitTimeRange commits at a time after 2106-02-07T06:28:15Z and
// checks that Build refuses it before building, naming the commit time,
// the limit and SOURCE_DATE_EPOCH, which then builds the commit.
func TestCommitTimeRange(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "")
	amend := exec.Command("git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
		"commit", "-q", "--amend", "--no-edit")
	amend.Dir = dir
	amend.Env = append(os.Environ(), "GIT_AUTHOR_DATE=@99999999999 +0000", "GIT_COMMITTER_DATE=@99999999999 +0000")
	if out, err := amend.CombinedOutput(); err != nil {
		t.Fatalf("git commit --amend: %v\n%s", err, out)
	}
	cfg := Config{Dir: dir, Log: io.Discard, Environ: testEnv()}
	_, err := runBuild(context.Background(), cfg)
	if err == nil {
		t.Fatal("Build passed with a commit time of 5138")
	}
	for _, w := range []string{"the commit time of HEAD, 5138-11-16T09:46:39Z", "up to 4294967295 (2106-02-07T06:28:15Z)", "set SOURCE_DATE_EPOCH to the build time"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error does not say %q:\n%v", w, err)
		}
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "dist", "app_*")); len(names) > 0 {
		t.Errorf("the refused build left %v", names)
	}
	cfg.Environ = testEnv(envSourceDateEpoch + "=1767323045")
	if _, err := runBuild(context.Background(), cfg); err != nil {
		t.Errorf("with %s: %v", envSourceDateEpoch, err)
	}
}
