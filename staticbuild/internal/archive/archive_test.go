package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

var formats = []Format{TarGz, Zip}

func TestWriteIsDeterministic(t *testing.T) {
	for _, f := range formats {
		t.Run(string(f), func(t *testing.T) {
			a := newFixture(t, variantA)
			b := newFixture(t, variantB)
			o := Options{Format: f, Time: buildTime}

			_, first := writeArchive(t, a.files, o)
			_, again := writeArchive(t, a.files, o)
			if !bytes.Equal(first, again) {
				t.Fatal("two archives of the same files differ")
			}

			// Other mtimes, modes and owners on disk, the time given in
			// another zone, and another TZ in the writing process.
			kolkata := time.FixedZone("IST", 5*3600+1800)
			ob := Options{Format: f, Time: buildTime.In(kolkata)}
			_, other := writeArchive(t, b.files, ob)
			if !bytes.Equal(first, other) {
				t.Fatal("archive depends on the sources' metadata or the time's zone")
			}
			dst := filepath.Join(t.TempDir(), "tz."+string(f))
			writeInProcessWithTZ(t, "America/St_Johns", dst, b.files, o)
			tz, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, tz) {
				t.Fatal("archive written with TZ=America/St_Johns differs")
			}

			// Sub-second parts of the time are dropped.
			_, nanos := writeArchive(t, a.files, Options{Format: f, Time: buildTime.Add(999 * time.Millisecond)})
			if !bytes.Equal(first, nanos) {
				t.Fatal("sub-second part of the time reaches the archive")
			}

			// What is archived does change the bytes.
			if err := os.WriteFile(a.files[1].Source, []byte("changed"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, changed := writeArchive(t, a.files, o)
			if bytes.Equal(first, changed) {
				t.Fatal("changing a file's contents did not change the archive")
			}
			_, later := writeArchive(t, b.files, Options{Format: f, Time: buildTime.Add(time.Hour)})
			if bytes.Equal(first, later) {
				t.Fatal("changing the time did not change the archive")
			}
			b.files[0].Executable = true
			_, exec := writeArchive(t, b.files, o)
			if bytes.Equal(first, exec) {
				t.Fatal("changing a mode did not change the archive")
			}
		})
	}
}

// member is an archive entry as read back by Go's readers.
type member struct {
	name    string
	mode    fs.FileMode
	mtime   time.Time
	content []byte
}

// wantMembers is what the fixture's archive must hold, in order.
func wantMembers(fx fixture, wrap string) []member {
	p := func(s string) string {
		if wrap == "" {
			return s
		}
		return wrap + "/" + s
	}
	var ms []member
	if wrap != "" {
		ms = append(ms, member{name: wrap + "/", mode: fs.ModeDir | 0o755})
	}
	ms = append(ms,
		member{name: p("LICENSE"), mode: 0o644, content: fx.contents["LICENSE"]},
		member{name: p("README.md"), mode: 0o644, content: fx.contents["README.md"]},
		member{name: p("app"), mode: 0o755, content: fx.contents["app"]},
		member{name: p("docs/"), mode: fs.ModeDir | 0o755},
		member{name: p("docs/CHANGELOG.md"), mode: 0o644, content: fx.contents["docs/CHANGELOG.md"]},
	)
	return ms
}

func readTarGz(t *testing.T, path string) []member {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" || zr.Comment != "" || zr.OS != 255 || zr.Extra != nil {
		t.Errorf("gzip header = %+v, want no name, comment, extra or time, and OS 255", zr.Header)
	}
	var ms []member
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d/%d %q/%q, want 0/0 with no names", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s: has access or change time", h.Name)
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		m := member{name: h.Name, mode: fs.FileMode(h.Mode).Perm(), mtime: h.ModTime, content: content}
		switch h.Typeflag {
		case tar.TypeDir:
			m.mode |= fs.ModeDir
		case tar.TypeReg:
		default:
			t.Errorf("%s: type %c", h.Name, h.Typeflag)
		}
		ms = append(ms, m)
	}
	return ms
}

func readZip(t *testing.T, path string) []member {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if zr.Comment != "" {
		t.Errorf("zip comment %q", zr.Comment)
	}
	var ms []member
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		if zf.Method != zip.Deflate && !strings.HasSuffix(zf.Name, "/") {
			t.Errorf("%s: method %d, want deflate", zf.Name, zf.Method)
		}
		ms = append(ms, member{name: zf.Name, mode: zf.Mode(), mtime: zf.Modified, content: content})
	}
	return ms
}

func readArchive(t *testing.T, f Format, path string) []member {
	if f == Zip {
		return readZip(t, path)
	}
	return readTarGz(t, path)
}

func checkMembers(t *testing.T, got, want []member) {
	t.Helper()
	if len(got) != len(want) {
		var names []string
		for _, m := range got {
			names = append(names, m.name)
		}
		t.Fatalf("archive holds %q, want %d entries", names, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.name != w.name {
			t.Errorf("entry %d is %q, want %q", i, g.name, w.name)
			continue
		}
		if g.mode != w.mode {
			t.Errorf("%s: mode %v, want %v", g.name, g.mode, w.mode)
		}
		if !g.mtime.Equal(buildTime) {
			t.Errorf("%s: mtime %v, want %v", g.name, g.mtime, buildTime)
		}
		if !bytes.Equal(g.content, w.content) {
			t.Errorf("%s: content differs (%d bytes, want %d)", g.name, len(g.content), len(w.content))
		}
	}
}

func TestWriteReadBackWithGo(t *testing.T) {
	for _, f := range formats {
		for _, wrap := range []string{"", "app_1.2.3_linux_amd64"} {
			t.Run(string(f)+"/wrap="+wrap, func(t *testing.T) {
				fx := newFixture(t, variantB)
				dst, _ := writeArchive(t, fx.files, Options{Format: f, Time: buildTime, Wrap: wrap})
				checkMembers(t, readArchive(t, f, dst), wantMembers(fx, wrap))
				fi, err := os.Stat(dst)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != testmod.Perm(0o644) {
					t.Errorf("archive file mode %v, want %v", fi.Mode().Perm(), testmod.Perm(0o644))
				}
				onlyFiles(t, filepath.Dir(dst), filepath.Base(dst))
			})
		}
	}
}

// longName is longer than both USTAR's 100-byte name field and its
// 155+100-byte prefix split.
var longName = strings.Repeat("a-very-long-directory-name/", 10) + strings.Repeat("x", 120) + ".txt"

func TestWriteLongAndUnicodeNames(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, []byte("long"), 0o644); err != nil {
		t.Fatal(err)
	}
	names := []string{longName, "café/naïve.txt", strings.Repeat("b", 99)}
	var files []File
	for _, n := range names {
		files = append(files, File{Name: n, Source: src})
	}
	for _, f := range formats {
		t.Run(string(f), func(t *testing.T) {
			dst, first := writeArchive(t, files, Options{Format: f, Time: buildTime})
			_, again := writeArchive(t, files, Options{Format: f, Time: buildTime})
			if !bytes.Equal(first, again) {
				t.Fatal("archive with long names is not deterministic")
			}
			got := map[string]bool{}
			for _, m := range readArchive(t, f, dst) {
				got[m.name] = true
				if !m.mtime.Equal(buildTime) {
					t.Errorf("%s: mtime %v", m.name, m.mtime)
				}
			}
			for _, n := range names {
				if !got[n] {
					t.Errorf("archive lacks %q; has %v", n, got)
				}
			}
		})
	}
}

func TestWriteRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("ok"), 0o644); err != nil {
		t.Fatal(err)
	}
	ok := File{Name: "ok.txt", Source: good}
	tests := []struct {
		name  string
		files []File
		o     Options
		want  []string // substrings of the error
	}{
		{"dotdot", []File{ok, {Name: "../evil", Source: good}}, Options{}, []string{`"../evil"`, `".."`}},
		{"inner dotdot", []File{{Name: "a/../../b", Source: good}}, Options{}, []string{`"a/../../b"`, `".."`}},
		{"absolute", []File{{Name: "/etc/passwd", Source: good}}, Options{}, []string{`"/etc/passwd"`, "absolute"}},
		{"empty", []File{ok, {Name: "", Source: good}}, Options{}, []string{"entry 1", "empty name"}},
		{"unclean", []File{{Name: "a//b", Source: good}}, Options{}, []string{`"a//b"`, "not clean"}},
		{"dot", []File{{Name: "./a", Source: good}}, Options{}, []string{`"./a"`, "not clean"}},
		{"trailing slash", []File{{Name: "a/", Source: good}}, Options{}, []string{`"a/"`, "not clean"}},
		{"backslash", []File{{Name: `..\evil`, Source: good}}, Options{}, []string{`"..\\evil"`, "backslash"}},
		{"control", []File{{Name: "a\nb", Source: good}}, Options{}, []string{`"a\nb"`, "control"}},
		{"duplicate", []File{ok, {Name: "x", Source: good}, ok}, Options{}, []string{`"ok.txt"`, "duplicate"}},
		{"case duplicate", []File{{Name: "README", Source: good}, {Name: "readme", Source: good}}, Options{}, []string{`"readme"`, `"README"`, "case-insensitive"}},
		{"file and dir", []File{{Name: "docs", Source: good}, {Name: "docs/a", Source: good}}, Options{}, []string{`"docs"`, "directory"}},
		{"missing source", []File{ok, {Name: "gone", Source: filepath.Join(dir, "nope")}}, Options{}, []string{`"gone"`, "no such file"}},
		{"no source", []File{{Name: "nothing"}}, Options{}, []string{`"nothing"`, "no source"}},
		{"directory source", []File{{Name: "d", Source: dir}}, Options{}, []string{`"d"`, "is a directory"}},
		{"bad wrap", []File{ok}, Options{Wrap: "../up"}, []string{`"../up"`, "wrap"}},
		{"zero time", []File{ok}, Options{Time: time.Time{}}, []string{"no modification time"}},
		{"unknown format", []File{ok}, Options{Format: "rar"}, []string{`"rar"`, "unknown format"}},
		{"zip before 1980", []File{ok}, Options{Format: Zip, Time: time.Unix(0, 0)}, []string{"1980"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			if o.Format == "" {
				o.Format = TarGz
			}
			if o.Time.IsZero() && tt.name != "zero time" {
				o.Time = buildTime
			}
			out := t.TempDir()
			dst := filepath.Join(out, "bad.tar.gz")
			err := Write(dst, tt.files, o)
			if err == nil {
				t.Fatal("Write succeeded")
			}
			for _, w := range tt.want {
				// A missing file's message is the system's own: ask errors.Is.
				if !strings.Contains(err.Error(), w) && !(w == "no such file" && errors.Is(err, fs.ErrNotExist)) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
			onlyFiles(t, out) // neither dst nor a temporary file
		})
	}
}

func TestWriteFailureKeepsExistingDestination(t *testing.T) {
	out := t.TempDir()
	dst := filepath.Join(out, "app.tar.gz")
	if err := os.WriteFile(dst, []byte("previous release"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(dst, []File{{Name: "a", Source: filepath.Join(out, "missing")}}, Options{Format: TarGz, Time: buildTime})
	if err == nil {
		t.Fatal("Write succeeded with a missing source")
	}
	b, err := os.ReadFile(dst)
	if err != nil || string(b) != "previous release" {
		t.Fatalf("destination after failed Write: %q, %v", b, err)
	}
	onlyFiles(t, out, "app.tar.gz")
}

func TestWriteIntoMissingDirectory(t *testing.T) {
	fx := newFixture(t, variantA)
	dst := filepath.Join(t.TempDir(), "no", "such", "dir", "app.zip")
	err := Write(dst, fx.files, Options{Format: Zip, Time: buildTime})
	if err == nil || !strings.Contains(err.Error(), dst) {
		t.Fatalf("Write into a missing directory: %v, want an error naming %s", err, dst)
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"tar.gz", "zip"} {
		f, err := ParseFormat(s)
		if err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "tgz", "ZIP", "tar"} {
		if f, err := ParseFormat(s); err == nil {
			t.Errorf("ParseFormat(%q) = %q, want an error", s, f)
		}
	}
	if FormatFor("windows") != Zip || FormatFor("linux") != TarGz || FormatFor("darwin") != TarGz {
		t.Error("FormatFor: want zip for windows only")
	}
}
