package stamp

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestReadIgnoresLogConfig: the commit, its time and its tags come from
// git log, whose output a user's configuration changes: log.decorate=full
// names tags refs/tags/v1.2.3, log.excludeDecoration can hide them, and
// log.showSignature adds lines. None of it may change the stamp.
func TestReadIgnoresLogConfig(t *testing.T) {
	dir := repo(t)
	module(t, dir, "example.com/app")
	run(t, dir, "git", "add", ".")
	run(t, dir, "git", "commit", "-q", "-m", "module")
	run(t, dir, "git", "tag", "v1.0.0")
	run(t, dir, "git", "tag", "-a", "-m", "annotated", "v1.1.0")
	run(t, dir, "git", "tag", "other")
	want := read(t, dir)
	if want.Version != "v1.1.0" || strings.Join(want.Tags, " ") != "other v1.0.0 v1.1.0" || want.GoVersion != "v1.1.0" {
		t.Fatalf("without configuration: %+v", want)
	}
	env := append(os.Environ(), "GIT_CONFIG_COUNT=4",
		"GIT_CONFIG_KEY_0=log.decorate", "GIT_CONFIG_VALUE_0=full",
		"GIT_CONFIG_KEY_1=log.excludeDecoration", "GIT_CONFIG_VALUE_1=refs/tags/",
		"GIT_CONFIG_KEY_2=log.showSignature", "GIT_CONFIG_VALUE_2=true",
		"GIT_CONFIG_KEY_3=format.pretty", "GIT_CONFIG_VALUE_3=fuller")
	got, err := Read(context.Background(), dir, "", env)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with log configuration:\n%+v\nwant\n%+v", got, want)
	}
}

// TestReadExclude: changes below an excluded directory are not changes;
// an excluded directory outside the work tree is ignored.
func TestReadExclude(t *testing.T) {
	dir := repo(t)
	shards := filepath.Join(dir, "shards")
	if err := os.MkdirAll(filepath.Join(shards, "linux"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(shards, "linux", "artifacts.json"), "{}")
	write(t, filepath.Join(dir, "new.txt"), "x")
	ctx := context.Background()
	s, err := Read(ctx, dir, "", os.Environ(), shards, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Changes, ",") != "new.txt" || !s.Dirty {
		t.Errorf("with shards/ excluded: changes %q, want new.txt", s.Changes)
	}
	os.Remove(filepath.Join(dir, "new.txt"))
	if s, err = Read(ctx, dir, "", os.Environ(), shards); err != nil {
		t.Fatal(err)
	}
	if s.Dirty || len(s.Changes) != 0 || s.Version != s.Commit[:12] {
		t.Errorf("with only shards/ changed and excluded: %+v", s)
	}
	if s := read(t, dir); strings.Join(s.Changes, ",") != "shards/linux/artifacts.json" {
		t.Errorf("without exclusions: changes %q, want shards/linux/artifacts.json", s.Changes)
	}
}

func TestParseLog(t *testing.T) {
	hash := strings.Repeat("0123456789", 4)
	for _, c := range []struct {
		out  string
		tags string
		ok   bool
	}{
		{hash + " 1767225600\n", "", true},
		{hash + " 1767225600 \n", "", true},
		{hash + " 1767225600 tag: v1.2.3, tag: services/api/v0.3.0\n", "services/api/v0.3.0 v1.2.3", true},
		{hash + " 1767225600 HEAD -> main, tag: a,b, grafted, tag: v1\r\n", "a,b v1", true},
		{hash + " 1767225600 tag: refs/tags/v1\n", "refs/tags/v1", true},
		{hash + " yesterday\n", "", false},
		{hash + "\n", "", false},
		{"0123 1767225600\n", "", false},
		{"", "", false},
	} {
		h, sec, tags, err := parseLog(c.out)
		if (err == nil) != c.ok {
			t.Errorf("parseLog(%q): error %v, want ok %v", c.out, err, c.ok)
			continue
		}
		if c.ok && (h != hash || sec != 1767225600 || strings.Join(tags, " ") != c.tags) {
			t.Errorf("parseLog(%q) = %q, %d, %q; want tags %q", c.out, h, sec, tags, c.tags)
		}
	}
}

func FuzzParseLog(f *testing.F) {
	hash := strings.Repeat("0123456789", 4)
	f.Add(hash + " 1767225600 tag: v1.2.3, tag: services/api/v0.3.0\n")
	f.Add(hash + " -1 tag: ")
	f.Add("")
	f.Fuzz(func(t *testing.T, out string) {
		h, _, tags, err := parseLog(out)
		if err != nil {
			return
		}
		if len(h) < 40 || strings.ContainsAny(h, " ") {
			t.Errorf("parseLog(%q) gave the hash %q", out, h)
		}
		if !slices.IsSorted(tags) {
			t.Errorf("parseLog(%q) gave unsorted tags %q", out, tags)
		}
		for _, tag := range tags {
			if strings.Contains(tag, ", ") {
				t.Errorf("parseLog(%q) gave the tag %q", out, tag)
			}
		}
	})
}

func TestReadObject(t *testing.T) {
	out := "0123 blob 3\nabc\n4567 tree 2\nxy\r\nHEAD:x missing\n89ab blob 1\n"
	data, rest, err := readObject(out)
	if err != nil || string(data) != "abc" {
		t.Fatalf("blob: %q, %v", data, err)
	}
	if data, rest, err = readObject(rest); err != nil || data != nil {
		t.Fatalf("tree: %q, %v", data, err)
	}
	if data, rest, err = readObject(rest); err != nil || data != nil || !strings.HasPrefix(rest, "89ab") {
		t.Fatalf("missing: %q, %q, %v", data, rest, err)
	}
	if _, _, err = readObject(rest); err == nil {
		t.Errorf("a blob cut short: no error")
	}
	for _, bad := range []string{"", "0123 blob", "0123 blob x\n", "0123 blob -1\nabc\n", "0123 blob 99999999999999\nabc\n"} {
		if _, _, err := readObject(bad); err == nil {
			t.Errorf("readObject(%q): no error", bad)
		}
	}
}

func FuzzReadObject(f *testing.F) {
	f.Add("0123 blob 3\nabc\n4567 tree 2\nxy\r\nHEAD:x missing\n")
	f.Add("0123 blob 99999999999999\nabc\n")
	f.Fuzz(func(t *testing.T, out string) {
		for range 4 {
			data, rest, err := readObject(out)
			if err != nil {
				return
			}
			if len(data)+len(rest) > len(out) {
				t.Fatalf("readObject(%q) read %d bytes and left %d", out, len(data), len(rest))
			}
			out = rest
		}
	})
}
