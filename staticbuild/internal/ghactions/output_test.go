package ghactions

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type output struct{ name, value string }

// parseOutputs parses a GITHUB_OUTPUT file as the runner's file command
// does: lines end at "\r\n", "\n" or "\r"; a line "name=value" when "=" comes before any "<<", else
// "name<<DELIM" followed by the value's lines and a line that is exactly
// DELIM; the value's lines are joined with "\n".
func parseOutputs(t *testing.T, data string) []output {
	t.Helper()
	// The runner reads lines with .NET's ReadLine, which ends a line at
	// "\r\n", "\n" or a lone "\r".
	lines := strings.Split(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(data), "\n")
	if lines[len(lines)-1] != "" {
		t.Fatalf("file does not end with a newline: %q", data)
	}
	lines = lines[:len(lines)-1]
	var outs []output
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			outs = append(outs, output{line[:eq], line[eq+1:]})
		case hd >= 0:
			name, delim := line[:hd], line[hd+2:]
			if name == "" || delim == "" {
				t.Fatalf("bad heredoc header %q", line)
			}
			var value []string
			for i++; ; i++ {
				if i == len(lines) {
					t.Fatalf("no closing delimiter %q for %s", delim, name)
				}
				if lines[i] == delim {
					break
				}
				value = append(value, lines[i])
			}
			outs = append(outs, output{name, strings.Join(value, "\n")})
		default:
			t.Fatalf("bad line %q", line)
		}
	}
	return outs
}

func TestSetOutput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "github_output")
	if err := os.WriteFile(path, []byte("earlier=step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []output{
		{"earlier", "step"},
		{"version", "v1.2.3"},
		{"empty", ""},
		{"equals", "a=b<<c"},
		{"files", "dist/app_1.2.3_linux_amd64.tar.gz\ndist/app_1.2.3_windows_amd64.zip\ndist/SHA256SUMS"},
		{"trailing", "line\n"},
		{"blank-lines", "\n\nmiddle\n\n"},
		// A value that tries to end its entry and set another output.
		{"forged", "x\nghadelimiter_0123\nversion=evil\nEOF\nversion<<EOF\nevil"},
		{"manifest", `{"artifacts": [{"path": "app.tar.gz"}]}`},
	}
	for _, o := range want[1:] {
		if err := SetOutput(path, o.name, o.value); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := parseOutputs(t, string(data))
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("parsed\n%q\nwant\n%q\nfile:\n%s", got, want, data)
	}
	if !strings.Contains(string(data), "\nversion=v1.2.3\n") {
		t.Errorf("a one-line value is not written as name=value:\n%s", data)
	}
}

func TestWriteOutputCR(t *testing.T) {
	for value, want := range map[string]string{"a\r\nb": "a\nb", "a\rb": "a\nb", "a\r": "a\n"} {
		var b strings.Builder
		if err := WriteOutput(&b, "notes", value); err != nil {
			t.Fatal(err)
		}
		if got := parseOutputs(t, b.String()); len(got) != 1 || got[0] != (output{"notes", want}) {
			t.Errorf("%q: parsed %q from %q, want %q", value, got, b.String(), want)
		}
	}
}

func TestWriteOutputDelimiterCollision(t *testing.T) {
	defer func(f func(int) string) { randomHex = f }(randomHex)
	tokens := []string{"aaaa", "aaaa", "bbbb"}
	randomHex = func(int) string {
		tok := tokens[0]
		tokens = tokens[1:]
		return tok
	}
	value := "x\nghadelimiter_aaaa\nversion=evil"
	var b strings.Builder
	if err := WriteOutput(&b, "v", value); err != nil {
		t.Fatal(err)
	}
	if got := parseOutputs(t, b.String()); len(got) != 1 || got[0] != (output{"v", value}) {
		t.Errorf("parsed %q from\n%s", got, b.String())
	}
	if !strings.HasPrefix(b.String(), "v<<ghadelimiter_bbbb\n") {
		t.Errorf("did not pick a delimiter outside the value:\n%s", b.String())
	}
}

func TestWriteOutputDelimiterIsFresh(t *testing.T) {
	delim := func() string {
		var b strings.Builder
		if err := WriteOutput(&b, "x", "a\nb"); err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(b.String(), "\n")
		_, d, _ := strings.Cut(header, "<<")
		return d
	}
	d1, d2 := delim(), delim()
	if d1 == d2 || len(d1) < len("ghadelimiter_")+32 {
		t.Errorf("delimiters %q and %q: want two different random ones", d1, d2)
	}
}

func TestWriteOutputBadName(t *testing.T) {
	for _, name := range []string{"", "a=b", "a<<b", "a\nb", "a\rb"} {
		var b strings.Builder
		if err := WriteOutput(&b, name, "v"); err == nil {
			t.Errorf("name %q: no error", name)
		}
		if b.Len() != 0 {
			t.Errorf("name %q: wrote %q", name, b.String())
		}
	}
	if err := SetOutput("", "version", "v1"); err == nil || !strings.Contains(err.Error(), "GITHUB_OUTPUT") {
		t.Errorf("empty path: err = %v, want one naming GITHUB_OUTPUT", err)
	}
}
