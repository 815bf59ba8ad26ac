package ghactions

import (
	"github.com/magestatic/magestatic/staticbuild/internal/units"

	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// The summary lists at most maxProblems problems, each message cut to
// maxMessageBytes, so that a run with many long compiler errors stays
// well under the 1 MiB GitHub accepts for a step's summary. The log and
// the JSON report keep everything.
const (
	maxProblems     = 100
	maxMessageBytes = 4 << 10
)

// AppendSummary appends the report as Markdown (see WriteSummary) to the
// file at path, the value of GITHUB_STEP_SUMMARY.
func AppendSummary(path string, r Report) (err error) {
	if path == "" {
		return errors.New("writing the step summary: no summary file (GITHUB_STEP_SUMMARY is not set)")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("writing the step summary: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing the step summary: %w", cerr)
		}
	}()
	if err := WriteSummary(f, r); err != nil {
		return fmt.Errorf("writing the step summary: %w", err)
	}
	return nil
}

// WriteSummary writes the report to w as GitHub-flavoured Markdown: a
// heading with the title and version, the commit and the result, then the
// problems, each with its message in a code block, then a table of every
// artifact (binary, platform, kind, file, size, change against the size
// baseline, verify result, time) and a table of the steps. Text from the
// report is escaped, so that no name or message can break a table or
// turn into a link or HTML.
func WriteSummary(w io.Writer, r Report) error {
	var b strings.Builder
	title := r.Title
	if title == "" {
		title = "magestatic"
	}
	b.WriteString("## " + inline(title))
	if r.Version != "" {
		b.WriteString(" " + inline(r.Version))
	}
	b.WriteString("\n\n")
	if r.Commit != "" {
		b.WriteString("Commit " + inline(r.Commit) + ". ")
	}
	switch {
	case len(r.Problems) > 0:
		fmt.Fprintf(&b, "**Failed**: %s.\n\n", plural(len(r.Problems), "problem"))
	case r.Failed():
		b.WriteString("**Failed**.\n\n")
	default:
		b.WriteString("Passed.\n\n")
	}

	if len(r.Problems) > 0 {
		b.WriteString("### Problems\n\n")
		for i, p := range r.Problems {
			if i == maxProblems {
				fmt.Fprintf(&b, "- and %d more: the log lists every problem\n", len(r.Problems)-i)
				break
			}
			writeProblem(&b, p)
		}
		b.WriteString("\n")
	}

	if len(r.Artifacts) > 0 {
		b.WriteString("### Artifacts\n\n")
		b.WriteString("| binary | platform | kind | file | size | change | verify | time |\n")
		b.WriteString("| --- | --- | --- | --- | ---: | ---: | --- | ---: |\n")
		for _, a := range r.Artifacts {
			row(&b, a.Binary, a.Platform, a.Kind, a.Path, units.FormatSize(a.Size), change(a), a.Verify, seconds(a.Seconds))
		}
		b.WriteString("\n")
	}

	if len(r.Steps) > 0 {
		b.WriteString("### Steps\n\n")
		b.WriteString("| step | status | time |\n")
		b.WriteString("| --- | --- | ---: |\n")
		for _, s := range r.Steps {
			row(&b, s.Name, s.Status, seconds(s.Seconds))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeProblem writes one problem as a list item: its step, binary,
// platform and place in bold, its message in a fenced code block.
func writeProblem(b *strings.Builder, p Problem) {
	head := p.title()
	if head == "" {
		head = "problem"
	}
	b.WriteString("- **" + inline(head) + "**")
	if p.File != "" {
		place := p.File
		if p.Line > 0 {
			place += fmt.Sprintf(":%d", p.Line)
		}
		b.WriteString(" " + inline(place))
	}
	b.WriteString("\n")
	msg := strings.TrimRight(strings.ReplaceAll(p.Message, "\r\n", "\n"), "\n")
	if msg == "" {
		return
	}
	if len(msg) > maxMessageBytes {
		cut := maxMessageBytes
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = fmt.Sprintf("%s\n… (%d more bytes: the log has the whole message)", msg[:cut], len(msg)-cut)
	}
	fence := strings.Repeat("`", max(3, longestRun(msg, '`')+1))
	b.WriteString("  " + fence + "\n")
	for _, line := range strings.Split(msg, "\n") {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("  " + fence + "\n")
}

// longestRun returns the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			longest = max(longest, n)
		} else {
			n = 0
		}
	}
	return longest
}

// row writes one table row of escaped cells.
func row(b *strings.Builder, cells ...string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" " + inline(c) + " |")
	}
	b.WriteString("\n")
}

// inlineEscaper escapes text for a Markdown line or table cell: a
// backslash before each character that could start emphasis, code, a
// link, HTML or strikethrough, or end a table cell, and <br> for a line
// break, which a table cell cannot hold.
var inlineEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "&", `\&`, "|", `\|`, "~", `\~`, "#", `\#`,
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

func inline(s string) string { return inlineEscaper.Replace(s) }

// change is an artifact's size change against its baseline: "+1.2 kB
// (+0.3%)", "new" for a binary without a baseline, and "" for another
// kind without one.
func change(a Artifact) string {
	if a.BaselineSize <= 0 {
		if a.Kind == "binary" {
			return "new"
		}
		return ""
	}
	d := a.Size - a.BaselineSize
	sign := ""
	if d >= 0 {
		sign = "+"
	}
	return fmt.Sprintf("%s%s (%+.1f%%)", sign, units.FormatSize(d), float64(d)*100/float64(a.BaselineSize))
}

func seconds(s float64) string { return fmt.Sprintf("%.1f s", s) }
