package ghactions

import (
	"github.com/magestatic/magestatic/staticbuild/internal/units"

	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// splitRow splits a Markdown table row into its cells as GitHub's table
// extension does: a backslash and the character after it are one unit, so
// "\|" is a pipe in the cell, and an unescaped "|" ends the cell. Each cell
// is then unescaped by unescapeInline.
func splitRow(t *testing.T, line string) []string {
	t.Helper()
	if !strings.HasPrefix(line, "|") || !strings.HasSuffix(line, "|") {
		t.Fatalf("not a table row: %q", line)
	}
	var cells []string
	var cell strings.Builder
	s := line[1:]
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			cell.WriteString(s[i : i+2])
			i++
		case s[i] == '|':
			cells = append(cells, unescapeInline(t, strings.TrimSpace(cell.String())))
			cell.Reset()
		default:
			cell.WriteByte(s[i])
		}
	}
	if cell.Len() != 0 {
		t.Fatalf("row %q does not end with a pipe", line)
	}
	return cells
}

// unescapeInline reads escaped text back: "\" before ASCII punctuation
// stands for that character, as in CommonMark, and <br> for a line break.
// Anything else that Markdown would format is an error, since escaped text
// must render as itself.
func unescapeInline(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[i+1]) >= 0:
			b.WriteByte(s[i+1])
			i++
		case strings.HasPrefix(s[i:], "<br>"):
			b.WriteByte('\n')
			i += len("<br>") - 1
		case strings.IndexByte("\\`*_[]<>&|~", c) >= 0:
			t.Fatalf("unescaped %q in %q", c, s)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// table returns the rows of the table under the heading, each a list of
// cells, the header row first; it checks the delimiter row.
func table(t *testing.T, md, heading string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(md, "\n"+heading+"\n\n")
	if !ok {
		t.Fatalf("no %q in\n%s", heading, md)
	}
	lines := strings.Split(rest, "\n")
	var rows [][]string
	for i, line := range lines {
		if line == "" {
			break
		}
		cells := splitRow(t, line)
		if i == 1 {
			for _, c := range cells {
				if strings.Trim(c, "-:") != "" || !strings.Contains(c, "---") {
					t.Fatalf("bad delimiter row %q", line)
				}
			}
			continue
		}
		if i > 1 && len(cells) != len(rows[0]) {
			t.Fatalf("row %q has %d cells, the header %d", line, len(cells), len(rows[0]))
		}
		rows = append(rows, cells)
	}
	return rows
}

// problem is a problem as the summary lists it.
type problem struct{ head, message string }

// problems parses the list under "### Problems": items "- **head** place"
// with the message in a fenced code block indented under the item.
func problems(t *testing.T, md string) []problem {
	t.Helper()
	_, rest, ok := strings.Cut(md, "\n### Problems\n\n")
	if !ok {
		t.Fatalf("no problems in\n%s", md)
	}
	lines := strings.Split(rest, "\n")
	var out []problem
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "### "):
			return out
		case strings.HasPrefix(line, "- **"):
			item := line[len("- **"):]
			j := closingBold(item)
			if j < 0 {
				t.Fatalf("no closing ** in %q", line)
			}
			head := unescapeInline(t, item[:j])
			if place := item[j+2:]; place != "" {
				head += " @" + unescapeInline(t, strings.TrimPrefix(place, " "))
			}
			out = append(out, problem{head: head})
		case strings.HasPrefix(line, "  ```"):
			fence := strings.TrimPrefix(line, "  ")
			var msg []string
			for i++; lines[i] != "  "+fence; i++ {
				m, ok := strings.CutPrefix(lines[i], "  ")
				if !ok && lines[i] != "" {
					t.Fatalf("code line %q not indented under its item", lines[i])
				}
				msg = append(msg, m)
			}
			out[len(out)-1].message = strings.Join(msg, "\n")
		case strings.HasPrefix(line, "- "):
			out = append(out, problem{head: line})
		}
	}
	return out
}

func closingBold(s string) int {
	for i := 0; i+1 < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case s[i] == '*' && s[i+1] == '*':
			return i
		}
	}
	return -1
}

func TestAppendSummary(t *testing.T) {
	r := Report{
		Title:   "magestatic release",
		Version: "v1.2.3",
		Commit:  "0123456789abcdef0123456789abcdef01234567",
		Steps: []Step{
			{Name: "cross", Status: "ok", Seconds: 12.34},
			{Name: "verify", Status: "FAIL", Seconds: 0.5},
		},
		Artifacts: []Artifact{
			{Binary: "app", Platform: "linux/amd64", Path: "app_linux_amd64/app", Kind: "binary",
				Size: 1_601_200, BaselineSize: 1_600_000, Verify: "ok", Seconds: 2.06},
			{Binary: "app", Platform: "darwin/arm64", Path: "app_darwin_arm64/app", Kind: "binary",
				Size: 1_500_000, BaselineSize: 2_000_000, Verify: "FAIL", Seconds: 1},
			{Binary: "app", Platform: "windows/amd64", Path: "app_windows_amd64/app.exe", Kind: "binary",
				Size: 999, Verify: "skip"},
			{Binary: "app", Platform: "linux/amd64", Path: "app_v1.2.3_linux_amd64.tar.gz", Kind: "archive",
				Size: 654_321},
			{Binary: `we|rd\ *name* <b>`, Platform: "linux/arm/7", Path: "a|b\nc_[x](y)`z`~~s~~&amp;#1", Kind: "binary",
				Size: 4_290_048 + 1_600_000, BaselineSize: 1_600_000, Verify: "ok"},
		},
		Problems: []Problem{
			{Step: "verify", Binary: "app", Platform: "darwin/arm64", Message: "links /usr/lib/libfoo.dylib\nfix: set CGO_ENABLED=0"},
			{Step: "cross", Binary: "app", Platform: "linux/arm/7", File: "cmd/app/main.go", Line: 12,
				Message: "undefined: x\n```\nfenced ``` inside | pipe\n  indented\n"},
			{Step: "sizegate", Message: ""},
		},
	}
	path := filepath.Join(t.TempDir(), "step_summary")
	if err := os.WriteFile(path, []byte("earlier step's summary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendSummary(path, r); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	md, ok := strings.CutPrefix(string(data), "earlier step's summary\n")
	if !ok {
		t.Fatalf("the earlier content is gone:\n%s", data)
	}

	if first, _, _ := strings.Cut(md, "\n"); first != "## magestatic release v1.2.3" {
		t.Errorf("heading %q", first)
	}
	if !strings.Contains(md, "\nCommit 0123456789abcdef0123456789abcdef01234567. **Failed**: 3 problems.\n") {
		t.Errorf("no commit and result line in\n%s", md)
	}
	p, a, s := strings.Index(md, "### Problems"), strings.Index(md, "### Artifacts"), strings.Index(md, "### Steps")
	if p < 0 || !(p < a && a < s) {
		t.Errorf("sections at %d, %d, %d: want problems, artifacts, steps in that order", p, a, s)
	}

	wantProblems := []problem{
		{"verify app darwin/arm64", "links /usr/lib/libfoo.dylib\nfix: set CGO_ENABLED=0"},
		{"cross app linux/arm/7 @cmd/app/main.go:12", "undefined: x\n```\nfenced ``` inside | pipe\n  indented"},
		{"sizegate", ""},
	}
	if got := problems(t, md); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", wantProblems) {
		t.Errorf("problems\n%q\nwant\n%q\nmarkdown:\n%s", got, wantProblems, md)
	}

	wantArtifacts := [][]string{
		{"binary", "platform", "kind", "file", "size", "change", "verify", "time"},
		{"app", "linux/amd64", "binary", "app_linux_amd64/app", "1.6 MB", "+1.2 kB (+0.1%)", "ok", "2.1 s"},
		{"app", "darwin/arm64", "binary", "app_darwin_arm64/app", "1.5 MB", "-500.0 kB (-25.0%)", "FAIL", "1.0 s"},
		{"app", "windows/amd64", "binary", "app_windows_amd64/app.exe", "999 B", "new", "skip", "0.0 s"},
		{"app", "linux/amd64", "archive", "app_v1.2.3_linux_amd64.tar.gz", "654.3 kB", "", "", "0.0 s"},
		{`we|rd\ *name* <b>`, "linux/arm/7", "binary", "a|b\nc_[x](y)`z`~~s~~&amp;#1", "5.9 MB", "+4.3 MB (+268.1%)", "ok", "0.0 s"},
	}
	if got := table(t, md, "### Artifacts"); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", wantArtifacts) {
		t.Errorf("artifacts\n%q\nwant\n%q\nmarkdown:\n%s", got, wantArtifacts, md)
	}
	wantSteps := [][]string{
		{"step", "status", "time"},
		{"cross", "ok", "12.3 s"},
		{"verify", "FAIL", "0.5 s"},
	}
	if got := table(t, md, "### Steps"); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", wantSteps) {
		t.Errorf("steps\n%q\nwant\n%q", got, wantSteps)
	}

	// A second report appends after the first.
	if err := AppendSummary(path, Report{Title: "second"}); err != nil {
		t.Fatal(err)
	}
	data2, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data2), string(data)) || !strings.Contains(string(data2[len(data):]), "## second\n\nPassed.\n") {
		t.Errorf("second report not appended:\n%s", data2[len(data):])
	}
}

func TestSummaryResult(t *testing.T) {
	for _, tc := range []struct {
		r    Report
		want string
	}{
		{Report{}, "## magestatic\n\nPassed.\n\n"},
		{Report{Steps: []Step{{Name: "release", Status: "ok"}}}, "Passed."},
		{Report{Steps: []Step{{Name: "release", Status: "FAIL"}}}, "**Failed**."},
		{Report{Problems: []Problem{{Step: "verify", Message: "m"}}}, "**Failed**: 1 problem."},
	} {
		var b strings.Builder
		if err := WriteSummary(&b, tc.r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("%+v: summary\n%s\nwant it to contain %q", tc.r, b.String(), tc.want)
		}
		if tc.r.Failed() != strings.Contains(tc.want, "Failed") {
			t.Errorf("%+v: Failed() = %v", tc.r, tc.r.Failed())
		}
	}
}

func TestSummaryCapsProblems(t *testing.T) {
	long := "x" + strings.Repeat("é", maxMessageBytes) // 2 bytes each after the x: a cut at maxMessageBytes falls inside one
	var r Report
	for i := range maxProblems + 5 {
		r.Problems = append(r.Problems, Problem{Step: "cross", Platform: fmt.Sprintf("p%d", i), Message: long})
	}
	var b strings.Builder
	if err := WriteSummary(&b, r); err != nil {
		t.Fatal(err)
	}
	got := problems(t, b.String())
	if len(got) != maxProblems+1 {
		t.Fatalf("%d items, want %d problems and the note", len(got), maxProblems+1)
	}
	if last := got[maxProblems].head; last != "- and 5 more: the log lists every problem" {
		t.Errorf("last item %q", last)
	}
	msg := got[0].message
	text, note, _ := strings.Cut(msg, "\n")
	if !strings.HasPrefix(long, text) || !utf8.ValidString(text) || len(text) > maxMessageBytes || len(text) < maxMessageBytes-1 {
		t.Errorf("message cut to %d bytes, want about %d on a character boundary", len(text), maxMessageBytes)
	}
	if want := fmt.Sprintf("… (%d more bytes: the log has the whole message)", len(long)-len(text)); note != want {
		t.Errorf("note %q, want %q", note, want)
	}
	if b.Len() > 1<<20 {
		t.Errorf("summary of %d bytes is over GitHub's 1 MiB", b.Len())
	}
}

func TestFormatSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {1234, "1.2 kB"}, {-1234, "-1.2 kB"},
		{999_949, "999.9 kB"}, {999_950, "1.0 MB"}, {1_600_000, "1.6 MB"}, {4_290_048, "4.3 MB"},
		{1_500_000_000, "1.5 GB"},
	} {
		if got := units.FormatSize(tc.n); got != tc.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
