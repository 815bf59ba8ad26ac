package verify

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusLdflags are the -X flags of the corpus builds of testdata/xvars:
// main.verison is a misspelling the linker ignores.
const corpusLdflags = "-X main.version=v1.2.3 -X main.commit=7 -X 'main.greeting=hello, world' -X main.verison=v1.2.4"

// corpusBinary returns testdata/xvars built for goos/goarch with the corpus
// flags, stripped (-s -w) or with its symbols. Each build is made once per
// test process.
func corpusBinary(t testing.TB, goos, goarch string, stripped bool) string {
	ld := "-ldflags=" + corpusLdflags
	if stripped {
		ld = "-ldflags=-s -w " + corpusLdflags
	}
	return goBuild(t, build{pkg: "./testdata/xvars", goos: goos, goarch: goarch, flags: []string{"-trimpath", ld}})
}

// corpusCase is one -X check of the corpus, with the verdicts on a file
// with symbols and on a stripped one: "" for a pass, else a problem's
// beginning.
type corpusCase struct {
	name        string
	x           map[string]string
	sym, strip  string
	stripNote   string // a note the stripped file's pass must carry
	explanation string
}

var corpusCases = []corpusCase{
	{name: "set", x: map[string]string{"main.version": "v1.2.3"},
		stripNote: "-X main.version=v1.2.3: stripped: a string header for the value exists; which variable holds it cannot be read (build without -s to check the variable itself)"},
	{name: "set/wrong value", x: map[string]string{"main.version": "v9.9.9"},
		sym:   `-X main.version=v9.9.9 did not land: main.version holds "v1.2.3" (read through its symbol), not "v9.9.9": the binary was built with another value for it, or none; build it again with -X main.version=v9.9.9, or check it against the value it was built with`,
		strip: "-X main.version=v9.9.9 did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (the value's bytes are nowhere in its read-only data)"},
	{name: "unset", x: map[string]string{"main.unset": "v0.0.1"},
		sym:   `-X main.unset=v0.0.1 did not land: main.unset holds "" (read through its symbol), not "v0.0.1"`,
		strip: "-X main.unset=v0.0.1 did not land: the binary is stripped, so its variables cannot be read, and no string header"},
	{name: "misspelt", x: map[string]string{"main.verison": "v1.2.4"},
		sym:   "-X main.verison=v1.2.4 did not land: the binary has no variable main.verison: either the name is misspelt (did you mean main.version?), or the program never uses the variable and the linker dropped it as dead code; the linker ignores -X for both without a word",
		strip: "-X main.verison=v1.2.4 did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (the value's bytes are nowhere in its read-only data)"},
	{name: "one character", x: map[string]string{"main.commit": "7"},
		stripNote: "-X main.commit=7: stripped: a string header for the value exists"},
	{name: "one character/wrong", x: map[string]string{"main.commit": "8"},
		sym:   `-X main.commit=8 did not land: main.commit holds "7" (read through its symbol), not "8"`,
		strip: "-X main.commit=8 did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (the value's bytes are in its read-only data, but no string header of that length points at them)"},
	{name: "one character/misspelt", x: map[string]string{"main.verison": "x"},
		sym:   "-X main.verison=x did not land: the binary has no variable main.verison: either the name is misspelt (did you mean main.version?)",
		strip: "-X main.verison=x did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (the value's bytes are in its read-only data, but no string header of that length points at them)"},
	{name: "value also a literal", x: map[string]string{"main.greeting": "hello, world"},
		stripNote: `-X "main.greeting=hello, world": stripped: a string header for the value exists`},
	{name: "value only a literal", x: map[string]string{"main.unset": "printed by the program"},
		sym:   `-X "main.unset=printed by the program" did not land: main.unset holds "" (read through its symbol), not "printed by the program"`,
		strip: `-X "main.unset=printed by the program" did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (the value's bytes are in its read-only data, but no string header of that length points at them)`},
	{name: "not a variable", x: map[string]string{"main.main": "v1"},
		sym:   "-X main.main=v1 did not land: main.main is not a string variable the linker can set: its symbol is in executable code, so it is a function; -X sets only package-level variables of type string",
		strip: "-X main.main=v1 did not land: the binary is stripped"},
	// What a stripped file cannot know: v1.2.3 is main.version's, but a
	// header cannot say whose it is.
	{name: "another variable's value", x: map[string]string{"main.unset": "v1.2.3"},
		sym:       `-X main.unset=v1.2.3 did not land: main.unset holds "" (read through its symbol), not "v1.2.3"`,
		stripNote: "-X main.unset=v1.2.3: stripped: a string header for the value exists; which variable holds it cannot be read"},
}

// TestStampedCorpus judges -X checks on the corpus built with the real
// toolchain for three formats, with symbols and stripped.
func TestStampedCorpus(t *testing.T) {
	for _, p := range []struct{ goos, goarch string }{{"linux", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}} {
		for _, stripped := range []bool{false, true} {
			kind := "symbols"
			if stripped {
				kind = "stripped"
			}
			t.Run(p.goos+"/"+kind, func(t *testing.T) {
				path := corpusBinary(t, p.goos, p.goarch, stripped)
				for _, c := range corpusCases {
					r := check(t, path, Policy{Stamped: c.x})
					want, note := c.sym, ""
					if stripped {
						want, note = c.strip, c.stripNote
					}
					verdict := "ok"
					if !r.OK {
						verdict = "FAIL: " + strings.Join(r.Problems, "; ")
					} else if len(r.Notes) > 0 {
						verdict = "ok; note: " + strings.Join(r.Notes, "; ")
					}
					t.Logf("%-24s %s", c.name, verdict)
					if want == "" {
						if !r.OK {
							t.Errorf("%s: want ok, got %s", c.name, verdict)
						}
						if note != "" {
							wantNotes(t, r, note)
						} else if len(r.Notes) > 0 {
							t.Errorf("%s: unexpected notes %q", c.name, r.Notes)
						}
						continue
					}
					if r.OK || len(r.Problems) != 1 || !strings.HasPrefix(r.Problems[0], want) {
						t.Errorf("%s: want one problem starting %q, got %s", c.name, want, verdict)
					}
				}
			})
		}
	}
}

// TestStampedCorpusArch reads the symbols and string headers of 32-bit
// and big-endian files: ELF32 little- and big-endian, ELF64 big-endian and
// PE32.
func TestStampedCorpusArch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the standard library for four more platforms")
	}
	for _, p := range []struct{ goos, goarch string }{{"linux", "386"}, {"linux", "mips"}, {"linux", "s390x"}, {"windows", "386"}} {
		for _, stripped := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s/stripped=%v", p.goos, p.goarch, stripped), func(t *testing.T) {
				path := corpusBinary(t, p.goos, p.goarch, stripped)
				wantOK(t, check(t, path, Policy{Stamped: map[string]string{"main.version": "v1.2.3", "main.commit": "7"}}))
				wantProblems(t, check(t, path, Policy{Stamped: map[string]string{"main.unset": "v0.0.1"}}), 1, "-X main.unset=v0.0.1 did not land")
				wantProblems(t, check(t, path, Policy{Stamped: map[string]string{"main.commit": "8"}}), 1, "-X main.commit=8 did not land")
			})
		}
	}
}

// TestStampedMalformed damages the corpus files where the -X check reads
// them: the result is an error or a problem, never a panic.
func TestStampedMalformed(t *testing.T) {
	stamped := Policy{Stamped: map[string]string{"main.version": "v1.2.3"}}
	for _, p := range []struct{ goos, goarch string }{{"linux", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}} {
		for _, stripped := range []bool{false, true} {
			src := corpusBinary(t, p.goos, p.goarch, stripped)
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			// Cut the file at many places: an error, or a verdict.
			for _, frac := range []int{2, 3, 5, 8, 13} {
				path := patched(t, src, func(b []byte) []byte { return b[:len(b)*(frac-1)/frac] })
				if _, err := Check(path, stamped); err == nil {
					t.Logf("%s/%v cut at %d/%d: no error", p.goos, stripped, frac-1, frac)
				}
			}
			// Overwrite the string headers of the variables with
			// garbage: the value can no longer be found.
			i := bytes.Index(data, []byte("v1.2.3\x00"))
			if i < 0 {
				t.Fatalf("%s: no copy of the value", src)
			}
			path := patched(t, src, func(b []byte) []byte {
				for j := 0; j+8 <= len(b); j += 8 {
					if binary.LittleEndian.Uint64(b[j:]) == 6 {
						binary.LittleEndian.PutUint64(b[j:], 1<<62)
					}
				}
				return b
			})
			r, err := Check(path, stamped)
			if err == nil && r.OK {
				t.Errorf("%s/%v: headers destroyed, yet ok:\n%s", p.goos, stripped, r)
			}
			// Random bytes over the whole file, a page at a time.
			rng := rand.New(rand.NewPCG(1, uint64(len(data))))
			for k := 0; k < 20; k++ {
				path := patched(t, src, func(b []byte) []byte {
					off := rng.IntN(len(b) - 4096)
					for j := off; j < off+4096; j++ {
						b[j] = byte(rng.Uint32())
					}
					return b
				})
				Check(path, stamped) // must not panic
			}
		}
	}
	// A file no reader knows.
	path := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(path, []byte("\x7fELF\x02\x01\x01garbage"), 0o755)
	if _, err := Check(path, stamped); err == nil {
		t.Error("junk: no error")
	}
}
