package ghactions

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxAnnotations is how many annotations of each level (error, warning,
// notice) GitHub shows for one step; it drops the rest.
const MaxAnnotations = 10

// Annotation is a message GitHub shows on the run's page and, when File is
// set, on that file.
type Annotation struct {
	Level   string // "error", "warning" or "notice"
	File    string // relative to the workspace (see RepoPath); empty for none
	Line    int    // 1-based; 0 for none
	Col     int    // 1-based; 0 for none, and ignored without Line
	Title   string // empty for GitHub's default
	Message string // may span lines
}

// String returns the annotation as a workflow command, without the
// newline, such as "::error file=main.go,line=3,title=vet::bad format".
// Properties and message are escaped as the runner unescapes them.
func (a Annotation) String() string {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(a.Level)
	sep := " "
	prop := func(key, value string) {
		b.WriteString(sep)
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(escapeProperty(value))
		sep = ","
	}
	if a.File != "" {
		prop("file", a.File)
	}
	if a.Line > 0 {
		prop("line", strconv.Itoa(a.Line))
		if a.Col > 0 {
			prop("col", strconv.Itoa(a.Col))
		}
	}
	if a.Title != "" {
		prop("title", a.Title)
	}
	b.WriteString("::")
	b.WriteString(escapeData(a.Message))
	return b.String()
}

// WriteAnnotations writes the annotations to w (the step's standard
// output), in order, but at most limit of each level: GitHub drops an
// annotation past MaxAnnotations, so a larger limit only wastes lines, and
// a limit of 0 or less means MaxAnnotations. When it leaves some out it
// says how many, in a plain line that points to the step summary, and it
// returns the number left out. An annotation of another level than error,
// warning or notice is an error, and then nothing is written.
func WriteAnnotations(w io.Writer, list []Annotation, limit int) (omitted int, err error) {
	if limit <= 0 {
		limit = MaxAnnotations
	}
	for _, a := range list {
		switch a.Level {
		case "error", "warning", "notice":
		default:
			return 0, fmt.Errorf("annotation %q: level %q is not error, warning or notice", a.Message, a.Level)
		}
	}
	written := map[string]int{}
	left := map[string]int{}
	var b strings.Builder
	for _, a := range list {
		if written[a.Level] == limit {
			left[a.Level]++
			omitted++
			continue
		}
		written[a.Level]++
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	if omitted > 0 {
		var parts []string
		for _, level := range []string{"error", "warning", "notice"} {
			if n := left[level]; n > 0 {
				parts = append(parts, plural(n, level))
			}
		}
		fmt.Fprintf(&b, "Not shown as annotations (at most %d of each kind per step): %s; the step summary lists every problem\n",
			limit, strings.Join(parts, ", "))
	}
	_, err = io.WriteString(w, b.String())
	return omitted, err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Group starts a collapsible group of log lines titled title, and returns
// the function that ends it. GitHub does not nest groups: a group started
// inside another ends the outer one.
func Group(w io.Writer, title string) (end func()) {
	fmt.Fprintf(w, "::group::%s\n", escapeData(title))
	return func() { io.WriteString(w, "::endgroup::\n") }
}

// StopCommands makes the runner take what follows on w as plain text, not
// as workflow commands, until the returned function is called. It is for
// text that is not this program's own, such as a compiler's output, where
// a line starting with "::" must not act on the run. The token that turns
// commands back on is random, so that the text cannot guess it.
func StopCommands(w io.Writer) (resume func()) {
	token := "magestatic-" + randomHex(16)
	fmt.Fprintf(w, "::stop-commands::%s\n", token)
	return func() { fmt.Fprintf(w, "::%s::\n", token) }
}

// randomHex returns n random bytes in hex. It is a variable so that a
// test can make a delimiter collide with the value.
var randomHex = func(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: see crypto/rand.Read
	return hex.EncodeToString(b)
}

// escapeData escapes a command's message as actions/toolkit's escapeData
// does: the runner reads one command per line and unescapes %25, %0D and
// %0A.
func escapeData(s string) string {
	return dataEscaper.Replace(s)
}

// escapeProperty escapes a command property's value as actions/toolkit's
// escapeProperty does: as escapeData, and also ":" and ",", which end a
// value.
func escapeProperty(s string) string {
	return propertyEscaper.Replace(s)
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)
