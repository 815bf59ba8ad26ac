package notes

import (
	"fmt"
	"strings"
	"text/template"
)

// DefaultTemplate is the text/template FromCommits renders Notes with: a
// "## Title" heading per section, and a line per commit, "- scope:
// description (short hash)", the whole subject for the other changes, the
// breaking note after a breaking change's description. A release without
// commits says "No changes since PREVIOUS.".
const DefaultTemplate = `{{if not .Commits}}No changes{{with .Previous}} since {{.}}{{end}}.
{{end -}}
{{range $i, $s := .Sections}}{{if $i}}
{{end}}## {{$s.Title}}

{{range $s.Commits}}- {{if eq $s.Kind "other"}}{{.Subject}}{{else}}{{with .Scope}}**{{.}}:** {{end}}{{.Description}}{{with .BreakingNote}} — {{.}}{{end}}{{end}} ({{.Short}})
{{end}}{{end}}`

// Parse parses text as the template of release notes, executed with
// Notes (see its fields). A field Notes does not have is an error when
// the template is executed; an error names the template's line.
func Parse(text string) (*template.Template, error) {
	t, err := template.New("release notes").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("the release notes template: %w", err)
	}
	return t, nil
}

// Render returns the notes written by the template t (see Parse).
func (n Notes) Render(t *template.Template) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, n); err != nil {
		return "", fmt.Errorf("release notes for %s: %w", n.Tag, err)
	}
	return b.String(), nil
}
