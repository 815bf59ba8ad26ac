//go:build linux

package staticbuild_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// faultMarker is the environment variable that marks every process of one
// run: the go command passes its environment to the compiler and linker,
// and the targets pass theirs to go build, so the marker finds the whole
// tree even though each go build has a process group of its own.
const faultMarker = "MAGESTATIC_FAULT_RUN"

// proc is a process seen in /proc.
type proc struct {
	pid, ppid int
	args      []string
}

// name is the base name of the program.
func (p proc) name() string {
	if len(p.args) == 0 {
		return ""
	}
	return filepath.Base(p.args[0])
}

// toolchain reports whether p is a go build or one of the compilers,
// linkers and assemblers it starts.
func (p proc) toolchain() bool {
	switch p.name() {
	case "compile", "link", "asm", "cgo", "vet", "cover", "buildid", "pack":
		return true
	case "go":
		return len(p.args) > 1 && (p.args[1] == "build" || p.args[1] == "list" || p.args[1] == "env")
	}
	return false
}

func (p proc) String() string {
	return strconv.Itoa(p.pid) + " " + strings.Join(p.args, " ")
}

// marked returns the live processes whose environment holds
// faultMarker=value. Zombies have no environment and are left out.
func marked(value string) []proc {
	want := []byte(faultMarker + "=" + value)
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		env, err := os.ReadFile(filepath.Join(dir, "environ"))
		if err != nil || !hasField(env, want) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		// The command name, in parentheses, may hold spaces and
		// parentheses; the fields after the last ")" are state, ppid, ...
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		out = append(out, proc{pid: pid, ppid: ppid, args: args})
	}
	return out
}

// hasField reports whether the NUL-separated list holds field.
func hasField(list, field []byte) bool {
	for _, f := range bytes.Split(list, []byte{0}) {
		if bytes.Equal(f, field) {
			return true
		}
	}
	return false
}

// toolchainOf returns the processes of ps that are go builds or their tools.
func toolchainOf(ps []proc) []proc {
	var out []proc
	for _, p := range ps {
		if p.toolchain() {
			out = append(out, p)
		}
	}
	return out
}
