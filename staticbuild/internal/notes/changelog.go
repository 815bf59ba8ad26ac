package notes

import (
	"fmt"
	"os"
	"strings"
)

// FromChangelog returns the section of the changelog at path (such as
// CHANGELOG.md) for version, "v1.2.3" or "1.2.3": the lines after its
// heading up to the next heading of its level or above, trimmed, without
// the link reference definitions ("[1.2.3]: https://...") that end a
// Keep a Changelog file. The heading is a Markdown "#" heading whose first
// word is the version with or without its "v", bare or in brackets (a
// link): "## [1.2.3] - 2026-01-02", "## [1.2.3](https://...) (2026-01-02)",
// "## v1.2.3", "## 1.2.3". Headings inside fenced code blocks do not
// count. It is an error, naming the file and the headings found, when the
// file has no such section or the section is empty.
func FromChangelog(path, version string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("release notes: %w", err)
	}
	text, headings, found := section(string(data), version)
	switch {
	case !found:
		list := "none"
		if len(headings) > 0 {
			const max = 8
			more := ""
			if len(headings) > max {
				more = fmt.Sprintf(" and %d more", len(headings)-max)
				headings = headings[:max]
			}
			list = fmt.Sprintf("%q%s", headings, more)
		}
		return "", fmt.Errorf("release notes: %s has no section for version %s (headings found: %s): add a heading such as \"## [%s] - YYYY-MM-DD\" with the release's changes below it",
			path, version, list, strings.TrimPrefix(version, "v"))
	case text == "":
		return "", fmt.Errorf("release notes: the section for version %s in %s is empty: write the release's changes below its heading", version, path)
	}
	return text, nil
}

// section returns the section of the Markdown text for version (see
// FromChangelog), the headings of text in order, and whether the
// version's heading was found.
func section(text, version string) (body string, headings []string, found bool) {
	want := strings.TrimPrefix(version, "v")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	fence := ""
	start, level := -1, 0
	end := len(lines)
	for i, l := range lines {
		if f := fenceOf(l); f != "" {
			switch {
			case fence == "":
				fence = f
			case strings.HasPrefix(f, fence) && strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), fence[:1])) == "":
				fence = ""
			}
			continue
		}
		if fence != "" {
			continue
		}
		lv, title := heading(l)
		if lv == 0 {
			continue
		}
		headings = append(headings, strings.TrimSpace(l))
		if start >= 0 {
			if lv <= level {
				end = i
				break
			}
			continue
		}
		if want != "" && headingVersion(title) == want {
			start, level = i+1, lv
		}
	}
	if start < 0 {
		return "", headings, false
	}
	sec := lines[start:end]
	// Drop the link reference definitions that end the file.
	for len(sec) > 0 {
		last := strings.TrimSpace(sec[len(sec)-1])
		if last != "" && !isLinkDef(last) {
			break
		}
		sec = sec[:len(sec)-1]
	}
	return strings.TrimSpace(strings.Join(sec, "\n")), headings, true
}

// heading returns the level and text of an ATX heading line ("## x"), or
// level 0 when l is not one.
func heading(l string) (level int, title string) {
	s := strings.TrimLeft(l, " ")
	if len(l)-len(s) > 3 {
		return 0, ""
	}
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || level < len(s) && s[level] != ' ' && s[level] != '\t' {
		return 0, ""
	}
	return level, strings.TrimSpace(s[level:])
}

// headingVersion returns the first word of a heading's title without the
// brackets of a link and a leading "v": "1.2.3" for "[v1.2.3](url) -
// date".
func headingVersion(title string) string {
	w := title
	if strings.HasPrefix(w, "[") {
		end := strings.IndexByte(w, ']')
		if end < 0 {
			return ""
		}
		w = w[1:end]
	} else if i := strings.IndexAny(w, " \t"); i >= 0 {
		w = w[:i]
	}
	return strings.TrimPrefix(strings.TrimSpace(w), "v")
}

// fenceOf returns the fence (``` or ~~~, and longer) that line opens or
// closes, or "".
func fenceOf(line string) string {
	s := strings.TrimLeft(line, " ")
	if len(line)-len(s) > 3 || len(s) < 3 || s[0] != '`' && s[0] != '~' {
		return ""
	}
	n := 0
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < 3 {
		return ""
	}
	return s[:n]
}

// isLinkDef reports whether line is a Markdown link reference definition,
// "[label]: destination".
func isLinkDef(line string) bool {
	if !strings.HasPrefix(line, "[") {
		return false
	}
	end := strings.Index(line, "]:")
	return end > 1
}
