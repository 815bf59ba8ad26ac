// Package notes writes a release's notes: from the commits since the
// previous release (FromCommits, Read and Notes.Render), or from the
// version's section of a changelog (FromChangelog).
package notes

// Notes is what a release's notes are made from, the data of the
// template Render executes.
type Notes struct {
	Tag             string    // the release's tag, such as "v1.2.3" or "services/api/v1.2.3"
	Version         string    // the tag without its prefix: "v1.2.3"
	Previous        string    // the previous release's tag; "" for the first release
	PreviousVersion string    // Previous without its prefix; "" for the first release
	Commits         []Commit  // every commit since Previous, newest first
	Sections        []Section // Commits grouped by kind, in the order breaking, feat, fix, perf, other; only sections with commits
}

// Section is a group of commits in the notes.
type Section struct {
	Kind    string   // "breaking", "feat", "fix", "perf" or "other"
	Title   string   // "Breaking changes", "Features", "Bug fixes", "Performance" or "Other changes"
	Commits []Commit // newest first
}

// Commit is one commit of the release.
type Commit struct {
	Hash         string // the full hash
	Short        string // the first 7 characters of the hash
	Subject      string // the whole first line of the message
	Type         string // the conventional-commit type in lower case ("feat"); "" when the subject is not a conventional commit
	Scope        string // the scope, "api" in "feat(api): ..."; "" without one
	Description  string // the subject after "type(scope): "; the whole subject when Type is ""
	Breaking     bool   // the type ends in "!" or a footer says "BREAKING CHANGE:"
	BreakingNote string // the text of the BREAKING CHANGE footer; "" without one
}

// sections are the kinds of section in the order the notes give them.
var sections = []struct{ kind, title string }{
	{"breaking", "Breaking changes"},
	{"feat", "Features"},
	{"fix", "Bug fixes"},
	{"perf", "Performance"},
	{"other", "Other changes"},
}

// kind returns the kind of section c belongs in.
func (c Commit) kind() string {
	switch {
	case c.Breaking:
		return "breaking"
	case c.Type == "feat" || c.Type == "fix" || c.Type == "perf":
		return c.Type
	}
	return "other"
}

// group returns commits grouped into sections, each keeping the
// commits' order, leaving out empty sections.
func group(commits []Commit) []Section {
	var out []Section
	for _, s := range sections {
		sec := Section{Kind: s.kind, Title: s.title}
		for _, c := range commits {
			if c.kind() == s.kind {
				sec.Commits = append(sec.Commits, c)
			}
		}
		if len(sec.Commits) > 0 {
			out = append(out, sec)
		}
	}
	return out
}
