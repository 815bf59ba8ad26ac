package ghactions

import (
	"fmt"
	"strings"
	"testing"
)

// command is a workflow command as the runner parses it.
type command struct {
	name  string
	props map[string]string
	data  string
}

// parseCommand parses one line as the runner's ActionCommand.TryParseV2
// does: "::name key=value,key=value::data", properties split at "," and
// "=", then unescaped with the runner's mappings in the runner's order
// (%25 last).
func parseCommand(t *testing.T, line string) command {
	t.Helper()
	if !strings.HasPrefix(line, "::") {
		t.Fatalf("not a command: %q", line)
	}
	end := strings.Index(line[2:], "::")
	if end < 0 {
		t.Fatalf("command without end of header: %q", line)
	}
	info, data := line[2:2+end], line[2+end+2:]
	c := command{props: map[string]string{}, data: unescape(data, "%0D", "\r", "%0A", "\n", "%25", "%")}
	name, props, _ := strings.Cut(info, " ")
	c.name = name
	if props != "" {
		for _, p := range strings.Split(props, ",") {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				t.Fatalf("bad property %q in %q", p, line)
			}
			c.props[k] = unescape(v, "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%")
		}
	}
	return c
}

// unescape replaces each escape in turn, as the runner does.
func unescape(s string, pairs ...string) string {
	for i := 0; i < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
	}
	return s
}

func TestAnnotationString(t *testing.T) {
	for _, tc := range []struct {
		a    Annotation
		want string
	}{
		{Annotation{Level: "error", Message: "plain"}, "::error::plain"},
		{Annotation{Level: "error", File: "cmd/app/main.go", Line: 3, Col: 7, Title: "vet", Message: "bad"},
			"::error file=cmd/app/main.go,line=3,col=7,title=vet::bad"},
		{Annotation{Level: "warning", File: "a.go", Col: 7, Message: "col without line is dropped"},
			"::warning file=a.go::col without line is dropped"},
		{Annotation{Level: "notice", Title: "a: b, c", Message: "50% of x::y\nnext\r\n"},
			"::notice title=a%3A b%2C c::50%25 of x::y%0Anext%0D%0A"},
		{Annotation{Level: "error", File: "x,line=99,title=forged.go", Message: "m"},
			"::error file=x%2Cline=99%2Ctitle=forged.go::m"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.a, got, tc.want)
		}
	}
}

// FuzzAnnotationRoundTrip checks that whatever the text, the runner reads
// back exactly the annotation that was written, on one line.
func FuzzAnnotationRoundTrip(f *testing.F) {
	f.Add("main.go", "title", "message")
	f.Add("dir,x/a:b.go", "t: 1, 2", "line1\nline2\r\nline3\r")
	f.Add("%0A%25.go", "%3A%2C", "%0D%0A%25 literal escapes")
	f.Add("a::b", "::", "::error::nested")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, file, title, msg string) {
		a := Annotation{Level: "warning", File: file, Line: 12, Col: 4, Title: title, Message: msg}
		line := a.String()
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("command spans lines: %q", line)
		}
		c := parseCommand(t, line)
		want := map[string]string{"line": "12", "col": "4"}
		if file != "" {
			want["file"] = file
		}
		if title != "" {
			want["title"] = title
		}
		if c.name != "warning" || c.data != msg || fmt.Sprint(c.props) != fmt.Sprint(want) {
			t.Fatalf("%q parsed as %+v, want props %v and data %q", line, c, want, msg)
		}
	})
}

func TestWriteAnnotationsLimit(t *testing.T) {
	var list []Annotation
	add := func(level string, n int) {
		for i := range n {
			list = append(list, Annotation{Level: level, Message: fmt.Sprintf("%s %d", level, i)})
		}
	}
	add("error", 12)
	add("warning", 3)
	add("notice", 11)
	add("error", 1) // after the notices: order is kept, and it is the 13th error
	for _, limit := range []int{MaxAnnotations, 0, -1} {
		var out strings.Builder
		omitted, err := WriteAnnotations(&out, list, limit)
		if err != nil {
			t.Fatal(err)
		}
		if omitted != 4 {
			t.Errorf("limit %d: omitted = %d, want 4", limit, omitted)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		var got []string
		for _, l := range lines[:len(lines)-1] {
			c := parseCommand(t, l)
			got = append(got, c.data)
		}
		var want []string
		for i := range 10 {
			want = append(want, fmt.Sprintf("error %d", i))
		}
		for i := range 3 {
			want = append(want, fmt.Sprintf("warning %d", i))
		}
		for i := range 10 {
			want = append(want, fmt.Sprintf("notice %d", i))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("limit %d: annotations\n%q\nwant\n%q", limit, got, want)
		}
		last := lines[len(lines)-1]
		note := "Not shown as annotations (at most 10 of each kind per step): 3 errors, 1 notice; the step summary lists every problem"
		if last != note {
			t.Errorf("limit %d: last line\n%q\nwant\n%q", limit, last, note)
		}
		if strings.HasPrefix(last, "::") {
			t.Errorf("the note is a workflow command: %q", last)
		}
	}

	var out strings.Builder
	omitted, err := WriteAnnotations(&out, list[:5], 2)
	if err != nil || omitted != 3 || strings.Count(out.String(), "::error::") != 2 {
		t.Errorf("limit 2 of 5: omitted %d, err %v, output\n%s", omitted, err, out.String())
	}

	out.Reset()
	omitted, err = WriteAnnotations(&out, list[:3], 0)
	if err != nil || omitted != 0 || strings.Count(out.String(), "\n") != 3 {
		t.Errorf("3 under the limit: omitted %d, err %v, output\n%s", omitted, err, out.String())
	}
}

func TestWriteAnnotationsBadLevel(t *testing.T) {
	var out strings.Builder
	_, err := WriteAnnotations(&out, []Annotation{{Level: "error", Message: "ok"}, {Level: "fatal", Message: "x"}}, 0)
	if err == nil || !strings.Contains(err.Error(), `"fatal"`) {
		t.Errorf("err = %v, want one naming the level", err)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %q before failing", out.String())
	}
}

func TestGroup(t *testing.T) {
	var out strings.Builder
	end := Group(&out, "build linux/amd64\n::error::forged")
	out.WriteString("inside\n")
	end()
	lines := strings.Split(out.String(), "\n")
	if len(lines) != 4 || lines[1] != "inside" || lines[3] != "" {
		t.Fatalf("output %q", out.String())
	}
	if c := parseCommand(t, lines[0]); c.name != "group" || c.data != "build linux/amd64\n::error::forged" {
		t.Errorf("group line %q parsed as %+v", lines[0], c)
	}
	if c := parseCommand(t, lines[2]); c.name != "endgroup" || c.data != "" || len(c.props) != 0 {
		t.Errorf("endgroup line %q parsed as %+v", lines[2], c)
	}
}

func TestStopCommands(t *testing.T) {
	var out strings.Builder
	resume := StopCommands(&out)
	out.WriteString("::error::from the compiler\n")
	resume()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("output %q", out.String())
	}
	stop := parseCommand(t, lines[0])
	if stop.name != "stop-commands" || len(stop.data) < 32 {
		t.Fatalf("first line %q parsed as %+v, want stop-commands with a long token", lines[0], stop)
	}
	if want := "::" + stop.data + "::"; lines[2] != want {
		t.Errorf("resume line %q, want %q", lines[2], want)
	}
	out.Reset()
	StopCommands(&out)
	if again := parseCommand(t, strings.TrimSuffix(out.String(), "\n")); again.data == stop.data {
		t.Errorf("two calls gave the same token %q", stop.data)
	}
}
