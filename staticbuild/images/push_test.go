package images

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild"
)

// TestPushTarget calls Push twice where no release was made: both calls
// must fail with mage's exit status 1 and say what to do, as the other
// targets do; mage's deduplication must not turn the second into a
// success.
func TestPushTarget(t *testing.T) {
	staticbuild.Project = staticbuild.Config{Dir: t.TempDir(), Log: io.Discard}
	defer func() { staticbuild.Project = staticbuild.Config{} }()
	for i := range 2 {
		err := Push(context.Background())
		var st interface{ ExitStatus() int }
		if !errors.As(err, &st) || st.ExitStatus() != 1 || !strings.Contains(err.Error(), "run the release target first") {
			t.Errorf("Push, call %d: %v, want exit status 1 saying to run the release target first", i+1, err)
		}
	}
}
