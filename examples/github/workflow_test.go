// Package github holds the GitHub Actions workflows that README's users
// copy, release.yml (a release built in shards, merged and published) and
// release-single.yml (built and published in one job), and the tests that
// check them.
package github

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// actionlint is the linter the workflow must pass, pinned.
const actionlint = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

// lintError is one problem in actionlint's JSON output.
type lintError struct {
	Message  string `json:"message"`
	Filepath string `json:"filepath"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Kind     string `json:"kind"`
}

// workflows are the example workflows, with how many run scripts each has.
var workflows = map[string]int{"release.yml": 2, "release-single.yml": 1}

// runActionlint runs actionlint on the workflows with the extra arguments and
// fails the test on anything it reports. In -short mode it uses only what
// the module cache holds, and skips when actionlint is not there; else it
// downloads actionlint through the module proxy the first time.
func runActionlint(t *testing.T, extra ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	args := append([]string{"run", actionlint, "-no-color", "-format", "{{json .}}"}, extra...)
	args = append(args, "release.yml", "release-single.yml")
	cmd := exec.CommandContext(ctx, "go", args...)
	proxy := ""
	if testing.Short() {
		// The module cache's download directory is laid out as a module
		// proxy; GOPROXY=off would not do, since go run also looks up
		// whether the module is deprecated.
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			t.Fatalf("go env GOMODCACHE: %v", err)
		}
		dir := filepath.ToSlash(filepath.Join(strings.TrimSpace(string(out)), "cache", "download"))
		if !strings.HasPrefix(dir, "/") {
			dir = "/" + dir // C:/... on Windows
		}
		proxy = "file://" + dir
		cmd.Env = append(os.Environ(), "GOPROXY="+proxy)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if proxy != "" && err != nil && strings.Contains(stderr.String(), proxy) {
		t.Skipf("-short: %s is not in the module cache, and downloading it is not short:\n%s", actionlint, stderr.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) || ctx.Err() != nil {
		t.Fatalf("go %s: %v (%v)\n%s", strings.Join(args, " "), err, ctx.Err(), stderr.String())
	}
	var found []lintError
	if err := json.Unmarshal(stdout.Bytes(), &found); err != nil {
		t.Fatalf("actionlint output is not its JSON: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	for _, e := range found {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
	if err != nil && len(found) == 0 {
		t.Errorf("actionlint failed, reporting nothing: %v\n%s", err, stderr.String())
	}
}

// TestActionlint lints the workflow. Shellcheck is turned off (-shellcheck=),
// as is pyflakes, so that the result does not depend on what is installed;
// TestActionlintShellcheck runs it where it is.
func TestActionlint(t *testing.T) {
	runActionlint(t, "-shellcheck=", "-pyflakes=")
}

// TestActionlintShellcheck lints the workflow's scripts with shellcheck
// too, when shellcheck is on PATH.
func TestActionlintShellcheck(t *testing.T) {
	path, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not on PATH")
	}
	runActionlint(t, "-shellcheck="+path, "-pyflakes=")
}

// TestRunScriptsTakeNoExpressions checks that no run script has a ${{ }}
// expression in it: GitHub pastes an expression's value into the script
// before the shell reads it, so a file name or version with a quote or $()
// in it would run as shell. Values reach scripts through env instead.
func TestRunScriptsTakeNoExpressions(t *testing.T) {
	for name, want := range workflows {
		t.Run(name, func(t *testing.T) { runScriptsTakeNoExpressions(t, name, want) })
	}
}

func runScriptsTakeNoExpressions(t *testing.T, name string, want int) {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runKey := regexp.MustCompile(`^(\s*)(- )?run:\s*(.*)$`)
	scripts := 0
	inScript, indent := false, 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if inScript {
			if strings.TrimSpace(line) == "" || leading(line) > indent {
				if strings.Contains(line, "${{") {
					t.Errorf("%s:%d: expression in a run script: %s", name, n, strings.TrimSpace(line))
				}
				continue
			}
			inScript = false
		}
		m := runKey.FindStringSubmatch(line)
		if m == nil || m[3] == "" { // no match, or defaults.run, a mapping
			continue
		}
		scripts++
		indent = len(m[1])
		if m[3] == "|" || m[3] == ">" || strings.HasPrefix(m[3], "|") || strings.HasPrefix(m[3], ">") {
			inScript = true
		} else if strings.Contains(m[3], "${{") {
			t.Errorf("%s:%d: expression in a run script: %s", name, n, m[3])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if scripts != want {
		t.Errorf("%s: found %d run scripts, want %d: is the parsing still right?", name, scripts, want)
	}
}

func leading(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

// TestActionsPinnedToMajor checks that every action is pinned to a major
// version tag, as users copying the file expect to update it.
func TestActionsPinnedToMajor(t *testing.T) {
	data, err := os.ReadFile("release.yml")
	if err != nil {
		t.Fatal(err)
	}
	single, err := os.ReadFile("release-single.yml")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, single...)
	uses := regexp.MustCompile(`(?m)^\s*(?:- )?uses:\s*(\S+)`).FindAllStringSubmatch(string(data), -1)
	major := regexp.MustCompile(`^actions/[a-z-]+@v[0-9]+$`)
	seen := map[string]bool{}
	for _, m := range uses {
		if !major.MatchString(m[1]) {
			t.Errorf("uses %s: want actions/NAME@vN", m[1])
		}
		name, _, _ := strings.Cut(m[1], "@")
		seen[name] = true
	}
	for _, name := range []string{"actions/checkout", "actions/setup-go", "actions/cache", "actions/upload-artifact", "actions/download-artifact", "actions/attest-build-provenance"} {
		if !seen[name] {
			t.Errorf("the workflow does not use %s", name)
		}
	}
}

// TestPublishedByTheStep checks that the workflows publish with the
// magefile's github step, not a script: the job that publishes gives the
// step the token, and the shards, which publish nothing, get none.
func TestPublishedByTheStep(t *testing.T) {
	for name := range workflows {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if strings.Contains(text, "gh release") {
			t.Errorf("%s publishes with gh release, not the github step", name)
		}
		if n := strings.Count(text, "GITHUB_TOKEN: ${{ github.token }}"); n != 1 {
			t.Errorf("%s gives the token %d times, want once, to the job that publishes", name, n)
		}
		if !strings.Contains(text, "github.Step(github.Release{})") {
			t.Errorf("%s does not say the magefile adds the github step", name)
		}
	}
	data, _ := os.ReadFile("release.yml")
	shard, merge, _ := strings.Cut(string(data), "\n  release:\n")
	if strings.Contains(shard, "GITHUB_TOKEN") || !strings.Contains(merge, "GITHUB_TOKEN") || !strings.Contains(merge, "go tool mage merge") {
		t.Error("release.yml: the shards get a token, or the merge job does not")
	}
}
