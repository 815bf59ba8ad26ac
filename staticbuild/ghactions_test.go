package staticbuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// readOutputs parses a GITHUB_OUTPUT file: name=value lines and
// name<<DELIMITER blocks.
func readOutputs(t *testing.T, name string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if k, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var v []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				v = append(v, lines[i])
			}
			if i == len(lines) {
				t.Fatalf("%s: %s is not closed by %s", name, k, delim)
			}
			out[k] = strings.Join(v, "\n")
			continue
		}
		k, v, ok := strings.Cut(lines[i], "=")
		if !ok {
			t.Fatalf("%s: line %q is neither name=value nor name<<DELIMITER", name, lines[i])
		}
		out[k] = v
	}
	return out
}

// tableRows returns the cells of the rows of the Markdown table under the
// heading.
func tableRows(t *testing.T, md, heading string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(md, heading+"\n\n")
	if !ok {
		t.Fatalf("no %q in the summary:\n%s", heading, md)
	}
	var rows [][]string
	for i, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if i < 2 {
			continue // the header and the rule
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), " | ") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	return rows
}

// TestGitHubActions releases with GITHUB_ACTIONS=true and checks the step
// summary and the step outputs, read back as GitHub reads them.
func TestGitHubActions(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "app", multiFiles, "v1.0.0")
	summary, output := filepath.Join(t.TempDir(), "summary.md"), filepath.Join(t.TempDir(), "output")
	env := testEnv(envPlatforms+"=linux/amd64,windows/amd64", "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY="+summary,
		"GITHUB_OUTPUT="+output, "GITHUB_WORKSPACE="+dir, envReport+"="+filepath.Join(t.TempDir(), "report.json"))
	var log bytes.Buffer
	r, err := runRelease(context.Background(), Config{Dir: dir, Log: &log, Environ: env})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	out := readOutputs(t, output)
	if out["version"] != "v1.0.0" || out["manifest"] != "dist/artifacts.json" {
		t.Errorf("outputs %q", out)
	}
	var want []string
	for _, a := range r.Artifacts {
		if a.Kind != artifact.Binary {
			want = append(want, "dist/"+a.Path)
		}
	}
	if got := strings.Split(out["files"], "\n"); !slices.Equal(got, want) || len(got) != 7 {
		t.Errorf("files output %q, want %q", got, want)
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(t, string(md), "### Artifacts")
	if len(rows) != len(r.Artifacts) {
		t.Fatalf("the summary lists %d artifacts, want %d:\n%s", len(rows), len(r.Artifacts), md)
	}
	binaries := 0
	for _, row := range rows {
		if len(row) != 8 {
			t.Fatalf("row %q has %d cells, want 8", row, len(row))
		}
		if row[2] == "binary" {
			binaries++
			if row[0] == "" || row[1] == "" || row[6] != "ok" || row[5] != "new" {
				t.Errorf("binary row %q: want its name, platform, change new and verify ok", row)
			}
		}
	}
	if binaries != 4 {
		t.Errorf("%d binary rows, want 4", binaries)
	}
}

// TestGitHubAnnotations breaks the build on every platform with more
// compiler errors than GitHub shows, and checks that at most 10 error
// annotations come out, each carrying the file and line of a real
// compiler message.
func TestGitHubAnnotations(t *testing.T) {
	t.Parallel()
	var broken strings.Builder
	broken.WriteString("package main\n\n")
	for i := range 12 {
		broken.WriteString("var _ int = \"" + strconv.Itoa(i) + "\"\n")
	}
	dir := testmod.New(t, "", "app", map[string]string{"cmd/app/main.go": testmod.Hello, "cmd/tool/main.go": testmod.Hello, "cmd/tool/broken.go": broken.String(),
		"cmd/app/broken.go": broken.String()}, "")
	env := testEnv(envPlatforms+"=linux/amd64,windows/amd64", "GITHUB_ACTIONS=true", "GITHUB_WORKSPACE="+dir)
	var log bytes.Buffer
	if _, err := runCross(context.Background(), Config{Dir: dir, Log: &log, Environ: env}); err == nil {
		t.Fatal("the broken build passed")
	}
	re := regexp.MustCompile(`(?m)^::error file=([^,]+),line=([0-9]+),(?:col=[0-9]+,)?title=[^:]*::(.*)$`)
	found := re.FindAllStringSubmatch(log.String(), -1)
	if n := strings.Count(log.String(), "::error"); n != 10 || len(found) != 10 {
		t.Fatalf("%d ::error lines, %d with file and line; want 10 of each:\n%s", n, len(found), log.String())
	}
	for _, m := range found {
		line, _ := strconv.Atoi(m[2])
		if !strings.HasPrefix(m[1], "cmd/") || !strings.HasSuffix(m[1], "/broken.go") || line < 3 || line > 14 || !strings.Contains(m[3], "cannot use") {
			t.Errorf("annotation %q does not point at a line of broken.go", m[0])
		}
	}
	if !strings.Contains(log.String(), "Not shown as annotations") {
		t.Errorf("the log does not say that annotations were left out:\n%s", log.String())
	}
}
