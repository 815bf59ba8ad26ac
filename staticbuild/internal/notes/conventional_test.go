package notes

import (
	"strings"
	"testing"
	"text/template"
)

func TestParseSubject(t *testing.T) {
	for _, c := range []struct {
		s                  string
		typ, scope, desc   string
		bang, conventional bool
	}{
		{"feat: add x", "feat", "", "add x", false, true},
		{"fix(api): close it", "fix", "api", "close it", false, true},
		{"feat(api)!: drop v1", "feat", "api", "drop v1", true, true},
		{"refactor!: rename", "refactor", "", "rename", true, true},
		{"Feat: Upper", "Feat", "", "Upper", false, true},
		{"build-system: x", "build-system", "", "x", false, true},
		{"feat:no space", "", "", "", false, false},
		{"feat(): empty scope", "", "", "", false, false},
		{"feat(api: unclosed", "", "", "", false, false},
		{"Merge branch 'x'", "", "", "", false, false},
		{"2fa: digits first", "", "", "", false, false},
		{"feat: ", "", "", "", false, false},
		{"", "", "", "", false, false},
	} {
		typ, scope, bang, desc, ok := parseSubject(c.s)
		if ok != c.conventional || typ != c.typ || scope != c.scope || bang != c.bang || desc != c.desc {
			t.Errorf("parseSubject(%q) = %q %q %v %q %v, want %q %q %v %q %v", c.s, typ, scope, bang, desc, ok, c.typ, c.scope, c.bang, c.desc, c.conventional)
		}
	}
}

func TestParseMessage(t *testing.T) {
	c := parseMessage("0123456789abcdef", "feat: x", "Body.\n\nBREAKING-CHANGE: the flag is gone\n")
	if !c.Breaking || c.BreakingNote != "the flag is gone" || c.Short != "0123456" || c.Type != "feat" {
		t.Errorf("BREAKING-CHANGE footer: %+v", c)
	}
	c = parseMessage("0123456789abcdef", "FIX: y", "A line saying BREAKING CHANGE: not at the start.")
	if c.Breaking || c.Type != "fix" || c.kind() != "fix" {
		t.Errorf("no footer: %+v", c)
	}
	if c := parseMessage("abc", "docs: z", ""); c.kind() != "other" || c.Short != "abc" {
		t.Errorf("docs: %+v", c)
	}
}

func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"feat: add x", "fix(api)!: y", "feat(a(b)): z", "x!:", "(: )", "a-: b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, scope, bang, desc, ok := parseSubject(s)
		if !ok {
			if typ != "" || scope != "" || bang || desc != "" {
				t.Fatalf("not conventional but parts: %q %q %v %q", typ, scope, bang, desc)
			}
			return
		}
		if typ == "" || desc == "" || !strings.HasPrefix(s, typ) || !strings.Contains(s, desc) || !strings.Contains(s, scope) {
			t.Fatalf("parseSubject(%q) = %q %q %v %q: not parts of the subject", s, typ, scope, bang, desc)
		}
	})
}

func FuzzParseLog(f *testing.F) {
	f.Add("0123456789\nfeat: x\nbody\n\nBREAKING CHANGE: y\n\x00abc\nfix: z\n\x00")
	f.Add("\x00\n\n\x00h")
	f.Fuzz(func(t *testing.T, out string) {
		commits := parseLog(out)
		secs := group(commits)
		n := 0
		for _, s := range secs {
			n += len(s.Commits)
		}
		if n != len(commits) {
			t.Fatalf("%d commits in sections, %d commits", n, len(commits))
		}
		if _, err := (Notes{Commits: commits, Sections: secs}).Render(mustParse(t, DefaultTemplate)); err != nil {
			t.Fatal(err)
		}
	})
}

func mustParse(t *testing.T, text string) *template.Template {
	tmpl, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}
