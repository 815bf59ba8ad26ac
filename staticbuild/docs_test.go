package staticbuild_test

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// The user's documentation: README.md, what a user reads first, and the
// reference pages under docs/. Every code block in them is compiled or
// checked here, every relative link must lead to a file and heading that
// exist, and README.md stays short.

// readmeMaxBytes is the most README.md may hold; reference goes to docs/.
const readmeMaxBytes = 15000

// docBlock is one fenced code block of a documentation file.
type docBlock struct {
	file, lang, text string
	line             int
}

// docFiles returns README.md and every docs/*.md, as slash paths relative
// to the module root, README.md first.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(testmod.Root(t), "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("docs/ holds no .md file")
	}
	files := []string{"README.md"}
	for _, p := range pages {
		files = append(files, "docs/"+filepath.Base(p))
	}
	sort.Strings(files[1:])
	return files
}

// readDoc returns the contents of a documentation file.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testmod.Root(t), filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// fileBlocks returns the fenced code blocks of one documentation file.
func fileBlocks(t *testing.T, name string) []docBlock {
	t.Helper()
	var (
		out []docBlock
		cur *docBlock
	)
	for i, line := range strings.Split(readDoc(t, name), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &docBlock{file: name, lang: strings.TrimPrefix(line, "```"), line: i + 1}
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if cur != nil {
		t.Errorf("%s:%d: a code block that is never closed", name, cur.line)
	}
	return out
}

// docBlocks returns the fenced code blocks of every documentation file.
func docBlocks(t *testing.T) []docBlock {
	t.Helper()
	var out []docBlock
	for _, f := range docFiles(t) {
		out = append(out, fileBlocks(t, f)...)
	}
	return out
}

// docGoWrappers turn a Go block into a file that compiles, by its first
// line: a whole file, a function, a statement in init, fields of a Config,
// or statements in main.
var docGoWrappers = []struct {
	start *regexp.Regexp
	wrap  string
}{
	{regexp.MustCompile(`^package `), "%s"},
	{regexp.MustCompile(`^func `), docMagefileHead + "%s"},
	{regexp.MustCompile(`^staticbuild\.Project`), docMagefileHead + "func init() {\n%s}\n\n" + docSignFunc},
	{regexp.MustCompile(`^[A-Z][A-Za-z]*: `), docMagefileHead + "var _ = staticbuild.Config{\n%s}\n"},
	{regexp.MustCompile(`^if `), "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/magestatic/magestatic/version\"\n)\n\nfunc main() {\n%s}\n"},
}

const docMagefileHead = "package main\n\nimport \"github.com/magestatic/magestatic/staticbuild\"\n\n"

const docSignFunc = `func sign(ctx context.Context, r *staticbuild.Run) error { return nil }
`

// TestDocsGo compiles every Go block of README.md and docs/*.md, verbatim,
// inside the wrapper its first line calls for, each as a main package of
// its own in a directory named after its file and line (docs/cgo/line8),
// so that go vet's errors say which block stopped compiling.
func TestDocsGo(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	perFile := map[string]int{}
	for _, b := range docBlocks(t) {
		if b.lang != "go" {
			continue
		}
		wrapped := ""
		for _, w := range docGoWrappers {
			if w.start.MatchString(b.text) {
				wrapped = fmt.Sprintf(w.wrap, b.text)
				break
			}
		}
		if wrapped == "" {
			t.Errorf("%s:%d: a Go block this test cannot compile:\n%s", b.file, b.line, b.text)
			continue
		}
		if strings.Contains(wrapped, "context.Context") {
			wrapped = strings.Replace(wrapped, "import \"github.com/magestatic/magestatic/staticbuild\"", "import (\n\t\"context\"\n\n\t\"github.com/magestatic/magestatic/staticbuild\"\n)", 1)
		}
		dir := strings.TrimSuffix(b.file, ".md")
		if b.file == "README.md" {
			dir = "readme"
		}
		files[fmt.Sprintf("%s/line%d/main.go", dir, b.line)] = wrapped
		perFile[b.file]++
	}
	if perFile["README.md"] < 2 {
		t.Errorf("found %d Go blocks in README.md, want the magefile and the configuration", perFile["README.md"])
	}
	if len(files) < 12 {
		t.Fatalf("found %d Go blocks in README.md and docs/, want at least 12: %v", len(files), perFile)
	}
	dir := testmod.New(t, "", "docs", files, "")
	testmod.Run(t, dir, "go", "vet", "./...")
}

// TestDocsLinuxpkgMagefile checks that the magefile of docs/packages.md is
// staticbuild/linuxpkg/testdata/magefile.go, which linuxpkg's TestMagefile
// releases with go tool mage.
func TestDocsLinuxpkgMagefile(t *testing.T) {
	t.Parallel()
	magefile, err := os.ReadFile(filepath.Join(testmod.Root(t), "staticbuild", "linuxpkg", "testdata", "magefile.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readDoc(t, "docs/packages.md"), "```go\n"+string(magefile)+"```\n") {
		t.Error("docs/packages.md's linuxpkg magefile is not staticbuild/linuxpkg/testdata/magefile.go: copy one to the other")
	}
}

// docsOnlyCommands are the commands of console blocks, which a user types
// and no test runs as written, each with the reason. A console command
// missing from this list fails TestDocsCommands, and so does an entry
// that no page shows any more or that gives no reason.
var docsOnlyCommands = map[string]string{
	`echo "release@example.com $(cat keys/release_ed25519.pub)" > allowed_signers`:                                                                                   "a user's check of a download; the sign tests write the allowed signers file themselves",
	`ssh-keygen -Y verify -f allowed_signers -I release@example.com -n file -s SHA256SUMS.sig < SHA256SUMS`:                                                          "a user's check of a download; the sign tests run ssh-keygen -Y verify with these arguments on a release's SHA256SUMS.sig",
	`cosign verify-blob --key cosign.pub --bundle SHA256SUMS.sigstore.json --new-bundle-format --insecure-ignore-tlog=true --use-signed-timestamps=false SHA256SUMS`: "cosign is not installed; the sign tests check the bundle with sigstore-go's verifier, as cosign verify-blob --key does",
	`sha256sum -c SHA256SUMS`: "a user's check of a download; the release tests run sha256sum -c in dist/",
	`gh attestation verify app_1.2.3_linux_amd64.tar.gz --repo acme/app`: "needs a release published on GitHub with its attestation",
	`sudo apt install ./app_1.2.0_amd64.deb`:                             "needs root and Debian; the linuxpkg tests install the deb with dpkg into a throwaway root",
	`sudo dnf install ./app-1.2.0-1.x86_64.rpm`:                          "needs root and Fedora; the linuxpkg tests install the rpm with rpm into a throwaway root",
	`sudo apk add --allow-untrusted ./app_1.2.0-r0_x86_64.apk`:           "needs root and Alpine; the linuxpkg tests check the apk's contents and checksums",
}

// docBlockLangs are the languages a block may have: go and sh are checked,
// console lines are commands of docsOnlyCommands, text is output.
var docBlockLangs = map[string]bool{"go": true, "sh": true, "console": true, "text": true}

// TestDocsCommands checks each shell command of README.md and docs/*.md:
// the main job and the test command are the ones .ci/run runs (and
// README.md gives both), the staticverify lines work as written in a
// module of a user's, the rest are go get lines of a user's project or CI
// scripts .ci/run runs; the commands of console blocks are the documented
// ones of docsOnlyCommands.
func TestDocsCommands(t *testing.T) {
	t.Parallel()
	ci, err := os.ReadFile(filepath.Join(testmod.Root(t), ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	var verifyLines []string
	readme := map[string]bool{}
	shown := map[string]bool{}
	for _, b := range docBlocks(t) {
		if !docBlockLangs[b.lang] {
			t.Errorf("%s:%d: a block of language %q; give it one of go, sh, console or text", b.file, b.line, b.lang)
			continue
		}
		if b.lang == "console" {
			for _, line := range strings.Split(strings.TrimSuffix(b.text, "\n"), "\n") {
				cmd, ok := strings.CutPrefix(line, "$ ")
				switch {
				case !ok:
					t.Errorf("%s:%d: a console line that is not a command (\"$ \"): %q; show output in a text block", b.file, b.line, line)
				case docsOnlyCommands[cmd] == "":
					t.Errorf("%s:%d: a command no test runs and docsOnlyCommands does not list with a reason: %q", b.file, b.line, cmd)
				default:
					shown[cmd] = true
				}
			}
			continue
		}
		if b.lang != "sh" {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(b.text), "\n") {
			cmd := strings.TrimSpace(strings.SplitN(line, "#", 2)[0])
			if b.file == "README.md" {
				readme[cmd] = true
			}
			switch {
			case strings.Contains(cmd, "staticverify"):
				if !containsString(verifyLines, cmd) {
					verifyLines = append(verifyLines, cmd)
				}
			case cmd == "go tool mage release" || cmd == "go test -timeout 40m ./...":
				if !strings.Contains(string(ci), "\n"+cmd+"\n") {
					t.Errorf("%s:%d: .ci/run does not run %q", b.file, b.line, cmd)
				}
			case cmd == ".ci/hosts" || cmd == ".ci/wine-tests":
				if !strings.Contains(string(ci), "\n"+cmd+"\n") {
					t.Errorf("%s:%d: .ci/run does not run %q", b.file, b.line, cmd)
				}
			case cmd == "go test -short ./...":
				// The fast loop: the same tests as CI's, fewer of them.
			case cmd == "go get -tool github.com/magefile/mage" || cmd == "go get github.com/magestatic/magestatic":
				// A user's project; the e2e tests make such modules.
			default:
				t.Errorf("%s:%d: a command this test does not check: %q", b.file, b.line, cmd)
			}
		}
	}
	for _, cmd := range []string{"go tool mage release", "go test -timeout 40m ./..."} {
		if !readme[cmd] {
			t.Errorf("README.md does not give %q in a sh block", cmd)
		}
	}
	for cmd := range docsOnlyCommands {
		if !shown[cmd] {
			t.Errorf("docsOnlyCommands lists %q, which no console block shows: remove it", cmd)
		}
	}
	if len(verifyLines) != 2 {
		t.Fatalf("found %d staticverify lines, want the go get -tool and the go tool lines: %q", len(verifyLines), verifyLines)
	}
	dir := testmod.New(t, "", "app", map[string]string{"main.go": testmod.Hello}, "v1.0.0")
	testmod.Run(t, dir, "go", "build", "-trimpath", "-o", "dist/app_linux_amd64/app", ".")
	for _, cmd := range verifyLines {
		args := strings.Fields(cmd)
		c := exec.Command(args[0], args[1:]...)
		c.Dir = dir
		// magestatic comes from the checkout (a replace directive), not
		// from the module proxy, which does not know this version.
		c.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		if strings.Contains(cmd, "-json") && !strings.Contains(string(out), `"ok": true`) {
			t.Errorf("%s printed:\n%s", cmd, out)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	docLink       = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)\)`)
	docInlineCode = regexp.MustCompile("`[^`]*`")
	docSlugDrop   = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// docProse returns the lines of a documentation file outside its code
// blocks, with inline code removed, by line number.
func docProse(t *testing.T, name string) map[int]string {
	t.Helper()
	out := map[int]string{}
	inBlock := false
	for i, line := range strings.Split(readDoc(t, name), "\n") {
		switch {
		case !inBlock && strings.HasPrefix(line, "```"):
			inBlock = true
		case inBlock && line == "```":
			inBlock = false
		case !inBlock:
			out[i+1] = docInlineCode.ReplaceAllString(line, "")
		}
	}
	return out
}

// docAnchors returns the anchors of a Markdown file's headings, as GitHub
// makes them: lower case, punctuation dropped, spaces as hyphens.
func docAnchors(t *testing.T, name string) map[string]bool {
	t.Helper()
	anchors := map[string]bool{}
	inBlock := false
	for _, line := range strings.Split(readDoc(t, name), "\n") {
		switch {
		case strings.HasPrefix(line, "```"):
			inBlock = !inBlock
		case !inBlock && strings.HasPrefix(line, "#"):
			title := strings.TrimSpace(strings.TrimLeft(line, "#"))
			slug := docSlugDrop.ReplaceAllString(strings.ToLower(title), "")
			anchors[strings.ReplaceAll(slug, " ", "-")] = true
		}
	}
	return anchors
}

// TestDocsLinks checks every relative link of README.md, docs/*.md and
// CHANGELOG.md: the file or directory exists inside the repository and
// the heading an anchor names is in it. README.md links every page of
// docs/, and stays under readmeMaxBytes.
func TestDocsLinks(t *testing.T) {
	t.Parallel()
	root := testmod.Root(t)
	files := append(docFiles(t), "CHANGELOG.md")
	linked := map[string]bool{}
	for _, name := range files {
		prose := docProse(t, name)
		lines := make([]int, 0, len(prose))
		for n := range prose {
			lines = append(lines, n)
		}
		sort.Ints(lines)
		for _, n := range lines {
			for _, m := range docLink.FindAllStringSubmatch(prose[n], -1) {
				target := m[1]
				if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				file, anchor, _ := strings.Cut(target, "#")
				dest := name
				if file != "" {
					dest = path.Join(path.Dir(name), file)
				}
				if dest == ".." || strings.HasPrefix(dest, "../") || path.IsAbs(file) {
					t.Errorf("%s:%d: %s leads outside the repository", name, n, target)
					continue
				}
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dest))); err != nil {
					t.Errorf("%s:%d: %s: no such file: %v", name, n, target, err)
					continue
				}
				if name == "README.md" {
					linked[dest] = true
				}
				if anchor == "" {
					continue
				}
				if !strings.HasSuffix(dest, ".md") {
					t.Errorf("%s:%d: %s: an anchor in a file that is not Markdown", name, n, target)
				} else if !docAnchors(t, dest)[anchor] {
					t.Errorf("%s:%d: %s: %s has no heading #%s", name, n, target, dest, anchor)
				}
			}
		}
	}
	for _, page := range docFiles(t)[1:] {
		if !linked[page] {
			t.Errorf("README.md does not link %s", page)
		}
	}
	if size := len(readDoc(t, "README.md")); size > readmeMaxBytes {
		t.Errorf("README.md holds %d bytes, more than %d: move reference to docs/", size, readmeMaxBytes)
	}
}

// TestDocsNames checks that the documentation names only the staticbuild
// package's own identifiers (staticbuild.Config, staticbuild.Run, ...),
// never the engine package they once had; CHANGELOG.md, which is
// history, may.
func TestDocsNames(t *testing.T) {
	t.Parallel()
	for _, name := range docFiles(t) {
		for i, line := range strings.Split(readDoc(t, name), "\n") {
			if strings.Contains(line, "engine.") || strings.Contains(line, "staticbuild/engine") {
				t.Errorf("%s:%d: names the engine package; name the staticbuild identifier instead: %s", name, i+1, line)
			}
		}
	}
}
