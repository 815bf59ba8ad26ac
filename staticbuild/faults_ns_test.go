//go:build linux

package staticbuild_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// A directory that cannot be written even by root, or a disk that is full,
// is made with a mount in a private mount namespace: the test binary
// re-runs itself as TestFaultNamespaceHelper, which mounts and then
// executes the command, so nothing outside the command sees the mounts.

// nsMountsVar passes the mounts to the helper: "ro:DIR" bind-mounts DIR
// read-only onto itself, "tmpfs:SIZE:DIR" mounts a tmpfs of SIZE on DIR;
// entries are separated by newlines.
const nsMountsVar = "MAGESTATIC_FAULT_MOUNTS"

// inNamespace changes cmd to run in a mount namespace of its own with the
// mounts applied. It skips the test when the system allows no mount
// namespace: that needs root, or unprivileged user namespaces.
func inNamespace(t *testing.T, cmd *exec.Cmd, mounts ...string) {
	t.Helper()
	probe := exec.Command("/bin/true")
	probe.SysProcAttr = nsAttr()
	if err := probe.Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot make a mount namespace (needs root or unprivileged user namespaces): %v", err)
		}
		t.Skipf("cannot make a mount namespace (needs root or unprivileged user namespaces): %v", err)
	}
	path, err := exec.LookPath(cmd.Path)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{os.Args[0], "-test.run=^TestFaultNamespaceHelper$", "--", path}, cmd.Args[1:]...)
	cmd.Path, cmd.Args = os.Args[0], args
	cmd.Env = append(cmd.Env, nsMountsVar+"="+strings.Join(mounts, "\n"))
	attr := nsAttr()
	if cmd.SysProcAttr != nil {
		attr.Setpgid = cmd.SysProcAttr.Setpgid
	}
	cmd.SysProcAttr = attr
}

// nsAttr returns the attributes of a process in a new mount namespace: as
// root, only that; otherwise inside a user namespace that maps the user
// to root, which may mount there.
func nsAttr() *syscall.SysProcAttr {
	if os.Geteuid() == 0 {
		return &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	}
	return &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
	}
}

// TestFaultNamespaceHelper is not a test: it is the helper process of
// inNamespace, and does nothing unless nsMountsVar is set.
func TestFaultNamespaceHelper(t *testing.T) {
	spec, ok := os.LookupEnv(nsMountsVar)
	if !ok {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	if err := mountAll(spec); err != nil {
		fmt.Fprintf(os.Stderr, "namespace helper: %v\n", err)
		os.Exit(125)
	}
	env := os.Environ()
	for i, kv := range env {
		if strings.HasPrefix(kv, nsMountsVar+"=") {
			env = append(env[:i], env[i+1:]...)
			break
		}
	}
	err := syscall.Exec(args[0], args, env)
	fmt.Fprintf(os.Stderr, "namespace helper: exec %s: %v\n", args[0], err)
	os.Exit(126)
}

// mountAll applies the mounts of spec, after making every mount private
// so that none propagates out of the namespace.
func mountAll(spec string) error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	for _, m := range strings.Split(spec, "\n") {
		kind, rest, _ := strings.Cut(m, ":")
		switch kind {
		case "ro":
			if err := syscall.Mount(rest, rest, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
				return fmt.Errorf("bind-mounting %s: %w", rest, err)
			}
			if err := syscall.Mount("", rest, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
				return fmt.Errorf("making %s read-only: %w", rest, err)
			}
		case "tmpfs":
			size, dir, _ := strings.Cut(rest, ":")
			if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
				return fmt.Errorf("mounting a tmpfs of %s on %s: %w", size, dir, err)
			}
		case "":
		default:
			return fmt.Errorf("unknown mount %q", m)
		}
	}
	return nil
}
