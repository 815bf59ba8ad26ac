package sbom

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

var buildTime = time.Date(2024, 5, 1, 12, 34, 56, 0, time.UTC)

func options() Options {
	return Options{Version: "v1.2.3", Time: buildTime, Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

func fromBinary(t *testing.T, path string, o Options) []byte {
	t.Helper()
	b, err := FromBinary(path, o)
	if err != nil {
		t.Fatalf("FromBinary: %v", err)
	}
	return b
}

func decode(t *testing.T, doc []byte) *cdx.BOM {
	t.Helper()
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("decode CycloneDX: %v", err)
	}
	return &bom
}

func TestFromBinaryIsDeterministic(t *testing.T) {
	bin := depApp(t)
	first := fromBinary(t, bin, options())
	again := fromBinary(t, bin, options())
	if !bytes.Equal(first, again) {
		t.Fatal("two SBOMs of the same binary differ")
	}

	// A copy of the binary elsewhere, with another mtime, and the time
	// given in another zone.
	cp := filepath.Join(t.TempDir(), filepath.Base(bin))
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cp, b, 0o700); err != nil {
		t.Fatal(err)
	}
	o := options()
	o.Time = buildTime.In(time.FixedZone("X", -7*3600)).Add(300 * time.Millisecond)
	if other := fromBinary(t, cp, o); !bytes.Equal(first, other) {
		t.Fatal("SBOM depends on the binary's location or the time's zone")
	}

	serial := decode(t, first).SerialNumber
	for name, o := range map[string]Options{
		"version": {Version: "v1.2.4", Time: buildTime},
		"time":    {Version: "v1.2.3", Time: buildTime.Add(time.Second)},
	} {
		doc := fromBinary(t, bin, o)
		if bytes.Equal(first, doc) {
			t.Errorf("changing the %s did not change the SBOM", name)
		}
		if decode(t, doc).SerialNumber == serial {
			t.Errorf("changing the %s did not change the serial number", name)
		}
	}
}

var serialRE = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestFromBinaryDescribesTheBuild(t *testing.T) {
	bin := depApp(t)
	doc := fromBinary(t, bin, options())
	bom := decode(t, doc)

	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != cdx.SpecVersion1_6 || bom.Version != 1 {
		t.Errorf("format %q, spec %v, version %d", bom.BOMFormat, bom.SpecVersion, bom.Version)
	}
	if !serialRE.MatchString(bom.SerialNumber) {
		t.Errorf("serial number %q is not a version 5 UUID URN", bom.SerialNumber)
	}
	if bom.Metadata == nil || bom.Metadata.Component == nil {
		t.Fatal("no metadata component")
	}
	if ts := bom.Metadata.Timestamp; ts != "2024-05-01T12:34:56Z" {
		t.Errorf("timestamp %q, want the build time", ts)
	}

	app := bom.Metadata.Component
	wantPURL := "pkg:golang/example.com/depapp@v1.2.3?goarch=" + runtime.GOARCH + "&goos=" + runtime.GOOS + "#cmd/depapp"
	if app.Type != cdx.ComponentTypeApplication || app.Name != "example.com/depapp" || app.Version != "v1.2.3" ||
		app.PackageURL != wantPURL || app.BOMRef != wantPURL {
		t.Errorf("application = %+v, want example.com/depapp v1.2.3 with purl %s", app, wantPURL)
	}
	binHash := sha256.Sum256(mustRead(t, bin))
	props := properties(app.Properties)
	for name, want := range map[string]string{
		"cdx:gomod:build:env:GOOS":        runtime.GOOS,
		"cdx:gomod:build:env:GOARCH":      runtime.GOARCH,
		"cdx:gomod:build:env:CGO_ENABLED": "0",
		"cdx:gomod:build:env:GOVERSION":   runtime.Version(),
		"cdx:gomod:binary:name":           "depapp",
		"cdx:gomod:binary:hash:SHA-256":   hex.EncodeToString(binHash[:]),
		"magestatic:platform":             runtime.GOOS + "/" + runtime.GOARCH,
		"magestatic:build:-ldflags":       "-X main.version=v1.2.3",
		"magestatic:build:-compiler":      "gc",
		"magestatic:build:GOOS":           runtime.GOOS,
		"magestatic:build:CGO_ENABLED":    "0",
	} {
		if got, ok := props[name]; !ok || got != want {
			t.Errorf("property %s = %q, want %q", name, got, want)
		}
	}
	if !sortedProperties(*app.Properties) {
		t.Error("application properties are not sorted")
	}

	// Every module "go version -m" lists, with the go.sum hashes of
	// testdata/depapp/go.sum.
	sums := goSums(t, filepath.Join("testdata", "depapp", "go.sum"))
	comps := map[string]cdx.Component{}
	var refs []string
	for _, c := range *bom.Components {
		comps[c.Name] = c
		refs = append(refs, c.BOMRef)
	}
	if !isSorted(refs) {
		t.Errorf("components are not sorted: %q", refs)
	}
	want := []struct {
		name, version, purl, hash string
		props                     map[string]string
	}{
		{"example.com/localdep", "", "pkg:golang/example.com/localdep", "",
			map[string]string{"magestatic:replaces": "example.com/localdep@v0.0.0", "magestatic:replace:dir": "./localdep"}},
		{"github.com/hashicorp/errwrap", "v1.0.0", "pkg:golang/github.com/hashicorp/errwrap@v1.0.0", sums["github.com/hashicorp/errwrap v1.0.0"],
			map[string]string{"magestatic:replaces": "github.com/hashicorp/errwrap@v1.0.0"}},
		{"github.com/hashicorp/go-multierror", "v1.1.1", "pkg:golang/github.com/hashicorp/go-multierror@v1.1.1", sums["github.com/hashicorp/go-multierror v1.1.1"], nil},
	}
	if len(comps) != len(want) {
		t.Errorf("SBOM lists %d components, want %d: %q", len(comps), len(want), refs)
	}
	for _, w := range want {
		c, ok := comps[w.name]
		if !ok {
			t.Errorf("no component %s", w.name)
			continue
		}
		if c.Type != cdx.ComponentTypeLibrary || c.Version != w.version || c.PackageURL != w.purl || c.BOMRef != w.purl || c.Scope != cdx.ScopeRequired {
			t.Errorf("component %+v, want version %q, purl %s, required", c, w.version, w.purl)
		}
		switch {
		case w.hash == "" && c.Hashes != nil:
			t.Errorf("%s has hashes %+v, want none", w.name, *c.Hashes)
		case w.hash != "" && (c.Hashes == nil || len(*c.Hashes) != 1 || (*c.Hashes)[0] != cdx.Hash{Algorithm: cdx.HashAlgoSHA256, Value: w.hash}):
			t.Errorf("%s hashes %v, want SHA-256 %s from go.sum", w.name, c.Hashes, w.hash)
		}
		if got := properties(c.Properties); len(got) != len(w.props) {
			t.Errorf("%s properties %v, want %v", w.name, got, w.props)
		} else {
			for k, v := range w.props {
				if got[k] != v {
					t.Errorf("%s property %s = %q, want %q", w.name, k, got[k], v)
				}
			}
		}
	}
	for _, m := range goVersionDeps(t, bin) {
		if _, ok := comps[m]; !ok {
			t.Errorf("go version -m lists %s, the SBOM does not", m)
		}
	}

	if bom.Dependencies == nil || len(*bom.Dependencies) != 1 {
		t.Fatalf("dependencies %+v, want the application's", bom.Dependencies)
	}
	dep := (*bom.Dependencies)[0]
	if dep.Ref != app.BOMRef || dep.Dependencies == nil || strings.Join(*dep.Dependencies, " ") != strings.Join(refs, " ") {
		t.Errorf("dependency %+v, want %s on %q", dep, app.BOMRef, refs)
	}

	// The raw JSON is 1.6 with its schema, and indented.
	var raw map[string]any
	if err := json.Unmarshal(doc, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["specVersion"] != "1.6" || raw["$schema"] != "http://cyclonedx.org/schema/bom-1.6.schema.json" {
		t.Errorf("specVersion %v, $schema %v", raw["specVersion"], raw["$schema"])
	}
	if !bytes.HasSuffix(doc, []byte("}\n")) || !bytes.Contains(doc, []byte("\n  \"metadata\": {")) {
		t.Error("document is not indented JSON ending with a newline")
	}
}

func TestFromBinaryVersionDefaultsToBuildInfo(t *testing.T) {
	bom := decode(t, fromBinary(t, depApp(t), Options{Time: buildTime}))
	if v := bom.Metadata.Component.Version; v != "(devel)" {
		t.Errorf("version %q, want the build info's (devel)", v)
	}
	if _, ok := properties(bom.Metadata.Component.Properties)["magestatic:platform"]; ok {
		t.Error("platform property without a platform")
	}
}

func TestFromBinaryPlatform(t *testing.T) {
	bin := depApp(t)
	settings := map[string]string{}
	for _, line := range strings.Split(run(t, "go", "version", "-m", bin), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "build" {
			k, v, _ := strings.Cut(f[1], "=")
			settings[k] = v
		}
	}
	host := runtime.GOOS + "/" + runtime.GOARCH
	otherOS := "windows"
	if runtime.GOOS == "windows" {
		otherOS = "linux"
	}
	good := []string{host}
	bad := map[string]string{
		otherOS + "/" + runtime.GOARCH: "does not match",
		runtime.GOOS + "/mips64le":     "does not match",
		runtime.GOOS:                   "want goos/goarch",
		host + "/x/y":                  "want goos/goarch",
		runtime.GOOS + "//v1":          "want goos/goarch",
	}
	if key := archEnv(runtime.GOARCH); key != "" {
		if v, ok := settings[key]; ok {
			good = append(good, host+"/"+v)
			bad[host+"/bogus"] = key + "=" + v
		}
	} else {
		bad[host+"/v2"] = "has no variants"
	}
	for _, p := range good {
		doc, err := FromBinary(bin, Options{Time: buildTime, Platform: p})
		if err != nil {
			t.Errorf("platform %q: %v", p, err)
			continue
		}
		if got := properties(decode(t, doc).Metadata.Component.Properties)["magestatic:platform"]; got != p {
			t.Errorf("platform property %q, want %q", got, p)
		}
	}
	for p, want := range bad {
		_, err := FromBinary(bin, Options{Time: buildTime, Platform: p})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), bin) {
			t.Errorf("platform %q: %v, want an error naming the binary with %q", p, err, want)
		}
	}
}

func TestFromBinaryRejectsNonGoFiles(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "README.md")
	if err := os.WriteFile(text, []byte("# not a binary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		text:                       "unrecognized file format",
		filepath.Join(dir, "nope"): "no such file",
		dir:                        "not a regular file",
	}
	if sh, err := exec.LookPath("sh"); err == nil && runtime.GOOS != "windows" {
		cases[sh] = "not a Go executable" // a real executable that Go did not build
	}
	for path, want := range cases {
		_, err := FromBinary(path, options())
		// A missing file's message is the system's own: ask errors.Is.
		if err == nil || !strings.Contains(err.Error(), want) && !(want == "no such file" && errors.Is(err, fs.ErrNotExist)) || !strings.Contains(err.Error(), path) {
			t.Errorf("FromBinary(%s): %v, want an error naming the file with %q", path, err, want)
		}
	}
	if _, err := FromBinary(depApp(t), Options{Version: "v1"}); err == nil || !strings.Contains(err.Error(), "no time") {
		t.Errorf("FromBinary without a time: %v", err)
	}
}

func TestFromBinaryNeedsMainModule(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "nomod")
	cmd := exec.Command("go", "build", "-o", exe, "main.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build main.go: %v\n%s", err, out)
	}
	_, err := FromBinary(exe, options())
	if err == nil || !strings.Contains(err.Error(), "no main module") || !strings.Contains(err.Error(), "command-line-arguments") {
		t.Errorf("FromBinary of a binary built outside a module: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func run(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	return string(out)
}

// goVersionDeps returns the module paths that "go version -m" lists as
// dependencies of the binary.
func goVersionDeps(t *testing.T, bin string) []string {
	var mods []string
	for _, line := range strings.Split(run(t, "go", "version", "-m", bin), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "dep" {
			mods = append(mods, f[1])
		}
	}
	if len(mods) == 0 {
		t.Fatal("go version -m lists no dependencies")
	}
	return mods
}

// goSums reads a go.sum file into "module version" -> hexadecimal SHA-256
// of its h1 hash.
func goSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || strings.HasSuffix(fields[1], "/go.mod") {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(fields[2], "h1:"))
		if err != nil {
			t.Fatal(err)
		}
		sums[fields[0]+" "+fields[1]] = hex.EncodeToString(b)
	}
	return sums
}

func properties(ps *[]cdx.Property) map[string]string {
	m := map[string]string{}
	if ps != nil {
		for _, p := range *ps {
			m[p.Name] = p.Value
		}
	}
	return m
}

func sortedProperties(ps []cdx.Property) bool {
	for i := 1; i < len(ps); i++ {
		if ps[i-1].Name > ps[i].Name {
			return false
		}
	}
	return true
}

func isSorted(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}
