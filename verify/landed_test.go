package verify

import (
	"bytes"
	"encoding/binary"
	"maps"
	"os/exec"
	"reflect"
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
			path := stampedHello(t, p.goos, p.goarch, true, version+"=v1.2.3", commit+"=c0ffee")
			wantOK(t, check(t, path, Policy{Stamped: map[string]string{version: "v1.2.3", commit: "c0ffee"}}))

			// A typo: the linker ignores it.
			path = stampedHello(t, p.goos, p.goarch, true, "main.verison=v1.2.3")
			r := check(t, path, Policy{Stamped: map[string]string{"main.verison": "v1.2.3"}})
			wantProblems(t, r, 1, "-X main.verison=v1.2.3 did not land: the binary has no variable main.verison (the linker ignores -X for a variable that does not exist or is never used); check the package path and the name of the variable, and that the program uses it")
		})
	}

	// Two variables given one value, one of them misspelled: the value
	// is in the file once, for two variables, and the count cannot tell
	// which landed.
	comit, verison, biuld := versionPkg+".Comit", versionPkg+".Verison", versionPkg+".Biuld"
	path := stampedHello(t, "linux", "amd64", true, version+"=v1.2.3", comit+"=v1.2.3")
	wantProblems(t, check(t, path, Policy{Stamped: map[string]string{version: "v1.2.3", comit: "v1.2.3"}}), 1,
		"one of -X "+comit+"=v1.2.3, -X "+version+"=v1.2.3 did not land: the value is in the binary once for 2 variables, so one of the variables "+comit+" and "+version+" is not in it (the linker ignores -X for a variable that does not exist or is never used)")
	// Both spelled right: it is there twice.
	path = stampedHello(t, "linux", "amd64", true, version+"=v1.2.3", commit+"=v1.2.3")
	wantOK(t, check(t, path, Policy{Stamped: map[string]string{version: "v1.2.3", commit: "v1.2.3"}}))
	// Both misspelled: the value is not there, so each is named.
	path = stampedHello(t, "linux", "amd64", true, verison+"=v7", comit+"=v7")
	wantProblems(t, check(t, path, Policy{Stamped: map[string]string{verison: "v7", comit: "v7"}}), 2,
		"-X "+verison+"=v7 did not land: the binary has no variable "+verison+" (the linker ignores -X for a variable that does not exist or is never used); check the package path",
		"-X "+comit+"=v7 did not land: the binary has no variable "+comit+" (")
	// Two of three misspelled.
	path = stampedHello(t, "linux", "amd64", true, version+"=v8", comit+"=v8", biuld+"=v8")
	wantProblems(t, check(t, path, Policy{Stamped: map[string]string{version: "v8", comit: "v8", biuld: "v8"}}), 1,
		"2 of -X "+biuld+"=v8, -X "+comit+"=v8, -X "+version+"=v8 did not land: the value is in the binary once for 3 variables, so 2 of the variables "+biuld+", "+comit+" and "+version+" are not in it")

	// Without -trimpath, the build information records -ldflags, value
	// and all; the typo must still be caught.
	path = stampedHello(t, "linux", "amd64", false, "main.verison=v1.2.3")
	r := check(t, path, Policy{Stamped: map[string]string{"main.verison": "v1.2.3"}})
	if !strings.Contains(r.BuildInfo.Setting("-ldflags"), "main.verison=v1.2.3") {
		t.Fatalf("-ldflags not recorded: %v", r.BuildInfo.Settings)
	}
	wantProblems(t, r, 1, "-X main.verison=v1.2.3 did not land")

	// An empty value is the zero value whether or not it landed.
	wantOK(t, check(t, stampedHello(t, "linux", "amd64", true), Policy{Stamped: map[string]string{"main.empty": ""}}))
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
		// main.unicode's, which does not count.
		wantProblems(t, r, 2,
			`-X "main.quotd=say \"hi\"" did not land: the binary has no variable main.quotd (`,
			`-X "main.sufix=wörld ✓" did not land: the binary has no variable main.sufix (`)
		if !trimpath && !strings.Contains(r.BuildInfo.Setting("-ldflags"), "main.quotd=say") {
			t.Errorf("-ldflags not recorded: %v", r.BuildInfo.Settings)
		}
	}
}

func TestStampedSkipsBuildInfo(t *testing.T) {
	// Empty module information puts the varint 0, a NUL, right after the
	// version: "go1.2.3\x00" then appears inside the blob, and must not
	// count as a landed -X value.
	blob := buildInfoBlobBytes("go1.2.3", "")
	stamped := map[string]string{"main.goVersion": "go1.2.3"}
	for _, tc := range []struct {
		data []byte
		want int
	}{
		{append(bytes.Repeat([]byte{1}, 64), blob...), 1},
		{append(append(bytes.Repeat([]byte{1}, 64), blob...), "go1.2.3\x00"...), 0},
		// Not a blob: the flags do not say the strings are inline.
		{append([]byte(buildInfoMagic+"\x08\x00xxxxxxxxxxxxxxxx\x07"), "go1.2.3\x00"...), 0},
	} {
		problems, err := checkStamped(bytes.NewReader(tc.data), int64(len(tc.data)), stamped)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != tc.want {
			t.Errorf("%q: got problems %q, want %d", tc.data, problems, tc.want)
		}
	}
}

func TestStampedCounts(t *testing.T) {
	data := []byte("\x01v\x00\x01v\x00\x01")
	problems, err := checkStamped(bytes.NewReader(data), int64(len(data)), map[string]string{"main.a": "v", "main.b": "v", "main.c": "v"})
	if err != nil {
		t.Fatal(err)
	}
	want := "one of -X main.a=v, -X main.b=v, -X main.c=v did not land: the value is in the binary twice for 3 variables, so one of the variables main.a, main.b and main.c is not in it"
	if len(problems) != 1 || !strings.HasPrefix(problems[0], want) {
		t.Errorf("got %q, want one problem starting %q", problems, want)
	}
	// A variable name that needs quoting is quoted where it is named.
	problems, _ = checkStamped(bytes.NewReader(data), int64(len(data)), map[string]string{"main.odd\tname": "w"})
	want = `-X "main.odd\tname=w" did not land: the binary has no variable "main.odd\tname" (`
	if len(problems) != 1 || !strings.HasPrefix(problems[0], want) {
		t.Errorf("got %q, want one problem starting %q", problems, want)
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

func TestStampedLongValue(t *testing.T) {
	// A value longer than a chunk is still found across chunks.
	value := strings.Repeat("x", scanChunk+10)
	data := append(append(bytes.Repeat([]byte{1}, scanChunk-7), value...), 0, 1, 2)
	problems, err := checkStamped(bytes.NewReader(data), int64(len(data)), map[string]string{"main.long": value})
	if err != nil || len(problems) != 0 {
		t.Errorf("got %q, %v; want the long value found", problems, err)
	}
	problems, _ = checkStamped(bytes.NewReader(data[:len(data)-3]), int64(len(data)-3), map[string]string{"main.long": value})
	if len(problems) != 1 {
		t.Errorf("got %q; want the unterminated value not counted", problems)
	}
}
