package notes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const keepAChangelog = `# Changelog

All notable changes to this project will be documented in this file.

## [Unreleased]

### Added
- Something not released yet.

## [1.2.3] - 2026-01-02

### Fixed
- The list call closes its file.

` + "```markdown" + `
## [9.9.9] - a heading in a code block
` + "```" + `

### Added
- A flag.

## [1.2.2] - 2025-12-01

### Added
- The first flag.

[unreleased]: https://example.com/acme/app/compare/v1.2.3...HEAD
[1.2.3]: https://example.com/acme/app/compare/v1.2.2...v1.2.3
[1.2.2]: https://example.com/acme/app/releases/tag/v1.2.2
`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFromChangelog(t *testing.T) {
	p := writeFile(t, "CHANGELOG.md", keepAChangelog)
	want123 := "### Fixed\n- The list call closes its file.\n\n```markdown\n## [9.9.9] - a heading in a code block\n```\n\n### Added\n- A flag."
	for _, c := range []struct{ version, want string }{
		{"v1.2.3", want123},
		{"1.2.3", want123},
		{"v1.2.2", "### Added\n- The first flag."}, // the link definitions at the end are left out
	} {
		got, err := FromChangelog(p, c.version)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("FromChangelog(%s):\n%q\nwant\n%q", c.version, got, c.want)
		}
	}
}

func TestChangelogHeadings(t *testing.T) {
	for _, c := range []struct{ name, text string }{
		{"bare", "# Changes\n\n## 1.2.3\n\n- one\n\n## 1.2.2\n\n- two\n"},
		{"v", "## v1.2.3 (2026-01-02)\n- one\n## v1.2.2\n- two\n"},
		{"link", "## [1.2.3](https://example.com/compare/v1.2.2...v1.2.3) (2026-01-02)\n\n- one\n\n## [1.2.2](https://example.com) (2025-01-01)\n- two\n"},
		{"crlf", "## [v1.2.3] - 2026-01-02\r\n\r\n- one\r\n\r\n## [v1.2.2]\r\n- two\r\n"},
		{"level 1", "# 1.2.3\n\n- one\n\n## Details\n\n# 1.2.2\n- two\n"},
	} {
		p := writeFile(t, "CHANGES.md", c.text)
		got, err := FromChangelog(p, "v1.2.3")
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if want := "- one"; c.name != "level 1" && got != want {
			t.Errorf("%s: %q, want %q", c.name, got, want)
		}
		if want := "- one\n\n## Details"; c.name == "level 1" && got != want {
			t.Errorf("%s: %q, want %q (a lower heading stays in the section)", c.name, got, want)
		}
	}
}

func TestChangelogErrors(t *testing.T) {
	p := writeFile(t, "CHANGELOG.md", keepAChangelog)
	_, err := FromChangelog(p, "v1.3.0")
	for _, want := range []string{p, "1.3.0", `"## [Unreleased]"`, `"## [1.2.2] - 2025-12-01"`, "## [1.3.0] - YYYY-MM-DD"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing version: %v, want it to say %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "9.9.9") {
		t.Errorf("missing version: %v lists a heading inside a code block", err)
	}
	// 1.2.30 is not 1.2.3.
	p2 := writeFile(t, "CHANGELOG.md", "## 1.2.30\n- x\n")
	if _, err := FromChangelog(p2, "1.2.3"); err == nil {
		t.Error("1.2.3 found in the section of 1.2.30")
	}
	empty := writeFile(t, "CHANGELOG.md", "## [1.2.3]\n\n## [1.2.2]\n- x\n")
	if _, err := FromChangelog(empty, "v1.2.3"); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty section: %v", err)
	}
	none := writeFile(t, "CHANGELOG.md", "no headings at all\n")
	if _, err := FromChangelog(none, "v1.2.3"); err == nil || !strings.Contains(err.Error(), "headings found: none") {
		t.Errorf("no headings: %v", err)
	}
	if _, err := FromChangelog(filepath.Join(t.TempDir(), "CHANGELOG.md"), "v1.2.3"); err == nil || !strings.Contains(err.Error(), "CHANGELOG.md") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzChangelog(f *testing.F) {
	f.Add(keepAChangelog, "1.2.3")
	f.Add("## [1.2.3\n- x", "1.2.3")
	f.Add("```\n## 1.0.0\n~~~\n```` \n## 1.0.0\nx", "v1.0.0")
	f.Add("   #### v1 \n\n[a]: b\n", "v1")
	f.Fuzz(func(t *testing.T, text, version string) {
		body, headings, found := section(text, version)
		if !found && body != "" {
			t.Fatalf("not found, but a body %q", body)
		}
		if found && len(headings) == 0 {
			t.Fatal("found without a heading")
		}
		if body != strings.TrimSpace(body) {
			t.Fatalf("body %q is not trimmed", body)
		}
	})
}
