package staticbuild_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// block is one fenced code block of README.md.
type block struct {
	lang, text string
	line       int
}

// readmeBlocks returns the fenced code blocks of README.md.
func readmeBlocks(t *testing.T) []block {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testmod.Root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		out []block
		cur *block
	)
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```"), line: i + 1}
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	return out
}

// goWrappers turn a Go block of README.md into a file that compiles, by
// its first line: a whole file, a function, a statement in init, fields of
// a Config, or statements in main.
var goWrappers = []struct {
	start *regexp.Regexp
	wrap  string
}{
	{regexp.MustCompile(`^package `), "%s"},
	{regexp.MustCompile(`^func `), magefileHead + "%s"},
	{regexp.MustCompile(`^staticbuild\.Project`), magefileHead + "func init() {\n%s}\n\n" + signFunc},
	{regexp.MustCompile(`^[A-Z][A-Za-z]*: `), magefileHead + "var _ = staticbuild.Config{\n%s}\n"},
	{regexp.MustCompile(`^if `), "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/magestatic/magestatic/version\"\n)\n\nfunc main() {\n%s}\n"},
}

const magefileHead = "package main\n\nimport \"github.com/magestatic/magestatic/staticbuild\"\n\n"

const signFunc = `func sign(ctx context.Context, r *staticbuild.Run) error { return nil }
`

// TestReadmeGo compiles every Go block of README.md, verbatim, inside the
// wrapper its first line calls for.
func TestReadmeGo(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for _, b := range readmeBlocks(t) {
		if b.lang != "go" {
			continue
		}
		wrapped := ""
		for _, w := range goWrappers {
			if w.start.MatchString(b.text) {
				wrapped = fmt.Sprintf(w.wrap, b.text)
				break
			}
		}
		if wrapped == "" {
			t.Errorf("README.md:%d: a Go block this test cannot compile:\n%s", b.line, b.text)
			continue
		}
		if strings.Contains(wrapped, "context.Context") {
			wrapped = strings.Replace(wrapped, "import \"github.com/magestatic/magestatic/staticbuild\"", "import (\n\t\"context\"\n\n\t\"github.com/magestatic/magestatic/staticbuild\"\n)", 1)
		}
		files[fmt.Sprintf("readme/line%d/main.go", b.line)] = wrapped
	}
	if len(files) < 8 {
		t.Fatalf("found %d Go blocks in README.md, want at least 8", len(files))
	}
	dir := testmod.New(t, "", "readme", files, "")
	testmod.Run(t, dir, "go", "vet", "./...")
}

// TestReadmeCommands checks each shell command of README.md: the main job
// and the test command are the ones .ci/run runs, the staticverify lines
// work as written in a module of a user's, and the rest are go get lines
// of a user's project.
func TestReadmeCommands(t *testing.T) {
	t.Parallel()
	ci, err := os.ReadFile(filepath.Join(testmod.Root(t), ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	var verifyLines []string
	for _, b := range readmeBlocks(t) {
		if b.lang != "sh" {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(b.text), "\n") {
			cmd := strings.TrimSpace(strings.SplitN(line, "#", 2)[0])
			switch {
			case strings.Contains(cmd, "staticverify"):
				verifyLines = append(verifyLines, cmd)
			case cmd == "go tool mage release" || cmd == "go test -timeout 40m ./...":
				if !strings.Contains(string(ci), "\n"+cmd+"\n") {
					t.Errorf("README.md:%d: .ci/run does not run %q", b.line, cmd)
				}
			case cmd == ".ci/hosts" || cmd == ".ci/wine-tests":
				if !strings.Contains(string(ci), "\n"+cmd+"\n") {
					t.Errorf("README.md:%d: .ci/run does not run %q", b.line, cmd)
				}
			case cmd == "go test -short ./...":
				// The fast loop: the same tests as CI's, fewer of them.
			case cmd == "go get -tool github.com/magefile/mage" || cmd == "go get github.com/magestatic/magestatic":
				// A user's project; the e2e tests make such modules.
			default:
				t.Errorf("README.md:%d: a command this test does not check: %q", b.line, cmd)
			}
		}
	}
	if len(verifyLines) != 2 {
		t.Fatalf("found %d staticverify lines, want the go get -tool and the go tool lines: %q", len(verifyLines), verifyLines)
	}
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	testmod.Run(t, dir, "go", "build", "-trimpath", "-o", "dist/app_linux_amd64/app", ".")
	for _, cmd := range verifyLines {
		args := strings.Fields(cmd)
		c := exec.Command(args[0], args[1:]...)
		c.Dir = dir
		// magestatic comes from the checkout (a replace directive), not
		// from the module proxy, which does not know this version.
		c.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		if strings.Contains(cmd, "-json") && !strings.Contains(string(out), `"ok": true`) {
			t.Errorf("%s printed:\n%s", cmd, out)
		}
	}
}
