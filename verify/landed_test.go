package verify

import (
	"bytes"
	"encoding/binary"
	"maps"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// stampedHello builds examples/hello with the given -X flags.
func stampedHello(t *testing.T, goos, goarch string, trimpath bool, xs ...string) string {
	ldflags := "-ldflags=-s -w"
	for _, x := range xs {
		ldflags += " -X " + x
	}
	flags := []string{ldflags}
	if trimpath {
		flags = append(flags, "-trimpath")
	}
	return goBuild(t, build{pkg: helloPkg, goos: goos, goarch: goarch, flags: flags})
}

func TestStampedLanded(t *testing.T) {
	version, commit := versionPkg+".Version", versionPkg+".Commit"
	for _, p := range []struct{ goos, goarch string }{{"linux", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}} {
		t.Run(p.goos, func(t *testing.T) {
			// With -short, ELF only: TestStampedCorpus checks stamped
			// Mach-O and PE files, with symbols and stripped.
			if testing.Short() && p.goos != "linux" {
				t.Skip("slow: runs in the full suite")
			}
			path := stampedHello(t, p.goos, p.goarch, true, version+"=v1.2.3", commit+"=c0ffee")
			r := check(t, path, Policy{Stamped: map[string]string{version: "v1.2.3", commit: "c0ffee"}})
			wantOK(t, r)
			wantNotes(t, r, "-X "+commit+"=c0ffee: stripped: a string header for the value exists; which variable holds it cannot be read",
				"-X "+version+"=v1.2.3: stripped: a string header for the value exists")

			// A typo: the linker ignores it.
			path = stampedHello(t, p.goos, p.goarch, true, "main.verison=v1.2.3")
			r = check(t, path, Policy{Stamped: map[string]string{"main.verison": "v1.2.3"}})
			wantProblems(t, r, 1, "-X main.verison=v1.2.3 did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (the value's bytes are nowhere in its read-only data); check the package path and the name of the variable main.verison, and that the program uses it (the linker ignores -X for a variable that does not exist or is never used)")
		})
	}

	// Two variables given one value, one of them misspelled: one string
	// header holds the value, for two variables, and a stripped file
	// cannot tell which landed.
	comit, verison, biuld := versionPkg+".Comit", versionPkg+".Verison", versionPkg+".Biuld"
	path := stampedHello(t, "linux", "amd64", true, version+"=v1.2.3", comit+"=v1.2.3")
	wantProblems(t, check(t, path, Policy{Stamped: map[string]string{version: "v1.2.3", comit: "v1.2.3"}}), 1,
		"one of -X "+comit+"=v1.2.3, -X "+version+"=v1.2.3 did not land: the binary is stripped, and its writable data holds one string header for the value but 2 variables were given it, so one of the variables "+comit+" and "+version+" is not in it (the linker ignores -X for a variable that does not exist or is never used)")
	// Both spelled right: there are two headers.
	path = stampedHello(t, "linux", "amd64", true, version+"=v1.2.3", commit+"=v1.2.3")
	r := check(t, path, Policy{Stamped: map[string]string{version: "v1.2.3", commit: "v1.2.3"}})
	wantOK(t, r)
	wantNotes(t, r, "-X "+commit+"=v1.2.3, -X "+version+"=v1.2.3: stripped: 2 string headers for the value exist, one for each variable; which variables hold them cannot be read")
	// Both misspelled: no header, so each is named.
	path = stampedHello(t, "linux", "amd64", true, verison+"=v7", comit+"=v7")
	wantProblems(t, check(t, path, Policy{Stamped: map[string]string{verison: "v7", comit: "v7"}}), 2,
		"-X "+verison+"=v7 did not land: the binary is stripped", "-X "+comit+"=v7 did not land: the binary is stripped")
	// Two of three misspelled.
	path = stampedHello(t, "linux", "amd64", true, version+"=v8", comit+"=v8", biuld+"=v8")
	wantProblems(t, check(t, path, Policy{Stamped: map[string]string{version: "v8", comit: "v8", biuld: "v8"}}), 1,
		"2 of -X "+biuld+"=v8, -X "+comit+"=v8, -X "+version+"=v8 did not land: the binary is stripped, and its writable data holds one string header for the value but 3 variables were given it, so 2 of the variables "+biuld+", "+comit+" and "+version+" are not in it")

	// Without -trimpath, the build information records -ldflags, value
	// and all; the typo must still be caught.
	path = stampedHello(t, "linux", "amd64", false, "main.verison=v1.2.3")
	r = check(t, path, Policy{Stamped: map[string]string{"main.verison": "v1.2.3"}})
	if !strings.Contains(r.BuildInfo.Setting("-ldflags"), "main.verison=v1.2.3") {
		t.Fatalf("-ldflags not recorded: %v", r.BuildInfo.Settings)
	}
	wantProblems(t, r, 1, "-X main.verison=v1.2.3 did not land")

	// An empty value is the zero value whether or not it landed: a
	// stripped file cannot tell, and says so.
	r = check(t, stampedHello(t, "linux", "amd64", true), Policy{Stamped: map[string]string{"main.empty": ""}})
	wantOK(t, r)
	wantNotes(t, r, "-X main.empty=: not checked: the binary is stripped, and an empty value is what an unset variable holds")
}

// wantNotes fails the test unless each of the given strings is in one of
// r's notes.
func wantNotes(t testing.TB, r *Report, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, s) }) {
			t.Errorf("%s: no note mentions %q:\n%s", r.Path, s, r)
		}
	}
}

// buildInfoBlobBytes returns a build information blob in the Go 1.18 format.
func buildInfoBlobBytes(vers, mod string) []byte {
	b := make([]byte, buildInfoHdr)
	copy(b, buildInfoMagic)
	b[14], b[15] = 8, 2 // pointer size, inline strings
	b = binary.AppendUvarint(b, uint64(len(vers)))
	b = append(b, vers...)
	b = binary.AppendUvarint(b, uint64(len(mod)))
	return append(b, mod...)
}

func TestStampedValues(t *testing.T) {
	// Values as users write them in -ldflags, which go build splits on
	// spaces outside quotes; -X takes the text after the first "=".
	values := map[string]string{
		"main.spaced":     "a b  c",
		"main.quoted":     `say "hi"`,
		"main.apostrophe": "it's",
		"main.equals":     "k=v=w",
		"main.unicode":    "héllo wörld ✓",
		"main.suffix":     "wörld ✓", // the end of main.unicode's value
	}
	ldflags := func(typos bool) string {
		quoted, suffix := "main.quoted", "main.suffix"
		if typos {
			quoted, suffix = "main.quotd", "main.sufix"
		}
		return "-ldflags=-s -w -X 'main.spaced=a b  c' -X '" + quoted + `=say "hi"' -X main.apostrophe=it's -X main.equals=k=v=w` +
			" -X 'main.unicode=héllo wörld ✓' -X '" + suffix + "=wörld ✓'"
	}
	path := goBuild(t, build{pkg: "./testdata/stamp", flags: []string{"-trimpath", ldflags(false)}})
	out, err := exec.Command(path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := `a b  c say "hi" it's k=v=w héllo wörld ✓ wörld ✓` + "\n"; string(out) != want {
		t.Fatalf("the stamped program prints %q, want %q", out, want)
	}
	wantOK(t, check(t, path, Policy{Stamped: values}))

	typos := maps.Clone(values)
	typos["main.quotd"], typos["main.sufix"] = typos["main.quoted"], typos["main.suffix"]
	delete(typos, "main.quoted")
	delete(typos, "main.suffix")
	for _, trimpath := range []bool{true, false} {
		flags := []string{ldflags(true)}
		if trimpath {
			flags = append(flags, "-trimpath")
		}
		r := check(t, goBuild(t, build{pkg: "./testdata/stamp", flags: flags}), Policy{Stamped: typos})
		// main.sufix's value is in the file only as the end of
		// main.unicode's, which no string header points at.
		wantProblems(t, r, 2,
			`-X "main.quotd=say \"hi\"" did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (`,
			`-X "main.sufix=wörld ✓" did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (the value's bytes are in its read-only data, but no string header of that length points at them)`)
		if !trimpath && !strings.Contains(r.BuildInfo.Setting("-ldflags"), "main.quotd=say") {
			t.Errorf("-ldflags not recorded: %v", r.BuildInfo.Settings)
		}
	}
}

func TestScanAcrossChunks(t *testing.T) {
	needles := [][]byte{[]byte("needle-one\x00"), []byte("n2\x00")}
	data := bytes.Repeat([]byte{'.'}, 3*scanChunk+100)
	put := map[int64]int{ // offset -> needle
		0:                  0,
		scanChunk/2 + 1000: 1,
		scanChunk - 5:      0, // straddles the first chunk boundary
		2*scanChunk - 1:    1, // and the second
		2*scanChunk + 40:   1,
		3*scanChunk - 10:   0, // and the third
		3*scanChunk + 20:   1,
		3*scanChunk + 89:   0, // ends the file
	}
	for off, i := range put {
		copy(data[off:], needles[i])
	}
	got := map[int64]int{}
	err := scan(bytes.NewReader(data), int64(len(data)), needles, func(i int, off int64) bool {
		if _, dup := got[off]; dup {
			t.Errorf("offset %d reported twice", off)
		}
		got[off] = i
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, put) {
		t.Errorf("scan found %v, want %v", got, put)
	}
	// Every placement around the chunk boundaries, wherever scan puts
	// them, is found once.
	clear(data)
	for _, center := range []int64{scanChunk, 2 * scanChunk} {
		for off := center - 24; off < center+24; off++ {
			copy(data[off:], needles[0])
			var found []int64
			scan(bytes.NewReader(data), int64(len(data)), needles[:1], func(_ int, at int64) bool {
				found = append(found, at)
				return true
			})
			if len(found) != 1 || found[0] != off {
				t.Errorf("needle at %d: found at %v", off, found)
			}
			clear(data[off : off+int64(len(needles[0]))])
		}
	}
	// Stopping early.
	copy(data, needles[0])
	copy(data[scanChunk:], needles[0])
	n := 0
	scan(bytes.NewReader(data), int64(len(data)), needles, func(int, int64) bool { n++; return false })
	if n != 1 {
		t.Errorf("scan went on after fn returned false: %d calls", n)
	}
}
