//go:build !unix

package bench

import (
	"fmt"
	"os/exec"
	"runtime"
)

// measure reports that resource usage is not read on this system.
func measure(cmd *exec.Cmd) (Sample, []byte, error) {
	return Sample{}, nil, fmt.Errorf("the benchmark reads resource usage with wait4, which %s lacks", runtime.GOOS)
}
