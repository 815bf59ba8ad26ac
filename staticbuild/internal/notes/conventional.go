package notes

import "strings"

// parseMessage returns the commit whose hash is hash and whose message has
// the subject subject and the body body, read as a conventional commit
// (https://www.conventionalcommits.org/en/v1.0.0/): "type(scope)!:
// description", a type of ASCII letters, digits and "-" starting with a
// letter, in any case; an optional scope in parentheses; "!" marking a
// breaking change, as does a footer line "BREAKING CHANGE: note" or
// "BREAKING-CHANGE: note" in body. A subject that is not of this form is
// a commit of Type "" whose Description is the whole subject.
func parseMessage(hash, subject, body string) Commit {
	c := Commit{Hash: hash, Short: hash, Subject: subject, Description: subject}
	if len(hash) > 7 {
		c.Short = hash[:7]
	}
	if typ, scope, bang, desc, ok := parseSubject(subject); ok {
		c.Type, c.Scope, c.Breaking, c.Description = strings.ToLower(typ), scope, bang, desc
	}
	if note, ok := breakingFooter(body); ok {
		c.Breaking, c.BreakingNote = true, note
	}
	return c
}

// parseSubject splits a conventional commit's subject into its type,
// scope, breaking mark and description; ok is false when s is not one.
func parseSubject(s string) (typ, scope string, bang bool, desc string, ok bool) {
	i := 0
	for i < len(s) && (isLetter(s[i]) || i > 0 && (isDigit(s[i]) || s[i] == '-')) {
		i++
	}
	if i == 0 {
		return "", "", false, "", false
	}
	typ, rest := s[:i], s[i:]
	if strings.HasPrefix(rest, "(") {
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return "", "", false, "", false
		}
		scope = strings.TrimSpace(rest[1:end])
		if scope == "" || strings.ContainsAny(scope, "()\n") {
			return "", "", false, "", false
		}
		rest = rest[end+1:]
	}
	if strings.HasPrefix(rest, "!") {
		bang, rest = true, rest[1:]
	}
	rest, found := strings.CutPrefix(rest, ": ")
	if !found {
		return "", "", false, "", false
	}
	desc = strings.TrimSpace(rest)
	if desc == "" {
		return "", "", false, "", false
	}
	return typ, scope, bang, desc, true
}

// breakingFooter returns the note of the first "BREAKING CHANGE:" or
// "BREAKING-CHANGE:" footer of a commit message's body, with its
// continuation lines joined by spaces.
func breakingFooter(body string) (note string, ok bool) {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	for i, l := range lines {
		var rest string
		var found bool
		for _, token := range []string{"BREAKING CHANGE:", "BREAKING-CHANGE:"} {
			if rest, found = strings.CutPrefix(l, token); found {
				break
			}
		}
		if !found {
			continue
		}
		parts := []string{strings.TrimSpace(rest)}
		// The note goes on until a blank line or the next footer.
		for _, next := range lines[i+1:] {
			if strings.TrimSpace(next) == "" || isFooter(next) {
				break
			}
			parts = append(parts, strings.TrimSpace(next))
		}
		return strings.TrimSpace(strings.Join(parts, " ")), true
	}
	return "", false
}

// isFooter reports whether line starts a git trailer style footer,
// "Token: value" or "Token #value", the token a word of letters, digits
// and "-".
func isFooter(line string) bool {
	i := 0
	for i < len(line) && (isLetter(line[i]) || isDigit(line[i]) || line[i] == '-') {
		i++
	}
	return i > 0 && (strings.HasPrefix(line[i:], ": ") || strings.HasPrefix(line[i:], " #"))
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
func isDigit(b byte) bool  { return '0' <= b && b <= '9' }
