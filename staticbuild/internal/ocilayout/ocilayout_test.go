package ocilayout

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// layout is an OCI layout being written in memory.
type layout fstest.MapFS

// put stores a blob and returns its digest.
func (l layout) put(b []byte) string {
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	l["blobs/sha256/"+h] = &fstest.MapFile{Data: b}
	return "sha256:" + h
}

// image stores an image of config and layers and returns its manifest's
// digest.
func (l layout) image(config string, layers ...[]byte) string {
	var ds []string
	for _, b := range layers {
		ds = append(ds, fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":%q}`, l.put(b)))
	}
	return l.put(fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":%q,"config":{"digest":%q},"layers":[%s]}`,
		ociManifest, l.put([]byte(config)), strings.Join(ds, ",")))
}

// index returns an image index of the manifests (digests of image
// manifests, or "index:DIGEST" for a nested index).
func index(ds ...string) []byte {
	var ms []string
	for _, d := range ds {
		mt := ociManifest
		if inner, ok := strings.CutPrefix(d, "index:"); ok {
			mt, d = ociIndex, inner
		}
		ms = append(ms, fmt.Sprintf(`{"mediaType":%q,"digest":%q}`, mt, d))
	}
	return fmt.Appendf(nil, `{"schemaVersion":2,"manifests":[%s]}`, strings.Join(ms, ","))
}

// disk writes the layout into a new directory and returns it.
func (l layout) disk(t testing.TB) string {
	dir := t.TempDir()
	if err := os.CopyFS(dir, fstest.MapFS(l)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// entry is one entry of a test layer: a regular file unless typ is set.
type entry struct {
	name, data, link string
	typ              byte
}

// tarOf makes a layer of the entries, gzip-compressed if zip.
func tarOf(zip bool, es ...entry) []byte {
	var buf bytes.Buffer
	var zw *gzip.Writer
	tw := tar.NewWriter(&buf)
	if zip {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	}
	for _, e := range es {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o755, Size: int64(len(e.data)), Typeflag: typ, Linkname: e.link})
		tw.Write([]byte(e.data))
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestRead applies two layers with whiteouts, an opaque directory, a hard
// link and entries that replace files and directories of the layer below.
func TestRead(t *testing.T) {
	l := layout{}
	lower := tarOf(true,
		entry{name: "usr/local/bin/", typ: tar.TypeDir},
		entry{name: "usr/local/bin/app", data: "app"},
		entry{name: "/etc/gone", data: "gone"},
		entry{name: "./etc/kept", data: "kept"},
		entry{name: "etc/link", data: "not yet a link"},
		entry{name: "var/lib/x", data: "x"},
		entry{name: "opt/a/b", data: "b"},
		entry{name: "srv/f", data: "f"},
		entry{name: "tmp/", typ: tar.TypeDir},
	)
	upper := tarOf(false, // an uncompressed layer
		entry{name: "etc/.wh.gone"},
		entry{name: "etc/.wh.new"},
		entry{name: "etc/new", data: "a whiteout hides only the layers below"},
		entry{name: "etc/link", typ: tar.TypeSymlink, link: "kept"},
		entry{name: "var/lib/.wh..wh..opq"},
		entry{name: "var/lib/y", data: "y"},
		entry{name: "opt/a", data: "a file where a directory was"},
		entry{name: "srv/", typ: tar.TypeDir},
		entry{name: "usr/bin/app", typ: tar.TypeLink, link: "usr/local/bin/app"},
	)
	digest := l.image(`{"os":"linux","architecture":"arm","variant":"v7"}`, lower, upper)
	dir := l.disk(t)
	im, err := Read(dir, digest)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"usr/local/bin/app": sum("app"),
		"usr/bin/app":       sum("app"),
		"etc/kept":          sum("kept"),
		"etc/new":           sum("a whiteout hides only the layers below"),
		"var/lib/y":         sum("y"),
		"opt/a":             sum("a file where a directory was"),
		"srv/f":             sum("f"),
	}
	if im.Digest != digest || im.Platform.String() != "linux/arm/7" || !maps.Equal(im.Files, want) {
		t.Errorf("Read = %s %s %v,\nwant %s linux/arm/7 %v", im.Digest, im.Platform, im.Files, digest, want)
	}
}

func TestGoPlatform(t *testing.T) {
	for _, tc := range []struct{ os, arch, variant, want string }{
		{"linux", "arm", "v7", "linux/arm/7"},
		{"linux", "arm", "v6", "linux/arm/6"},
		{"linux", "arm64", "v8", "linux/arm64"},
		{"linux", "arm64", "v9", "linux/arm64/v9"},
		{"linux", "amd64", "v3", "linux/amd64/v3"},
		{"linux", "riscv64", "", "linux/riscv64"},
	} {
		if got := goPlatform(tc.os, tc.arch, tc.variant).String(); got != tc.want {
			t.Errorf("goPlatform(%s, %s, %s) = %s, want %s", tc.os, tc.arch, tc.variant, got, tc.want)
		}
	}
}

// TestReadFails damages a layout in each way Read must notice.
func TestReadFails(t *testing.T) {
	const config = `{"os":"linux","architecture":"amd64"}`
	layer := tarOf(true, entry{name: "app", data: "app"})
	for _, tc := range []struct {
		name string
		// make returns the layout and the digest to read.
		make func(l layout) string
		want string
	}{
		{"not sha256", func(l layout) string { return "md5:00" }, "is not sha256:HEX"},
		{"path in digest", func(l layout) string { return "sha256:../../" + strings.Repeat("0", 58) }, "is not sha256:HEX"},
		{"missing manifest", func(l layout) string { return "sha256:" + strings.Repeat("0", 64) }, "no such file"},
		{"damaged manifest", func(l layout) string {
			d := l.image(config, layer)
			l["blobs/sha256/"+d[7:]].Data = []byte(`{}`)
			return d
		}, "the layout is damaged"},
		{"damaged layer", func(l layout) string {
			d := l.image(config, layer)
			name := "blobs/sha256/" + sum(string(layer))
			l[name].Data = append(bytes.Clone(layer), 0)
			return d
		}, "the layout is damaged"},
		{"missing config", func(l layout) string {
			d := l.image(config, layer)
			delete(l, "blobs/sha256/"+sum(config))
			return d
		}, "the config: open"},
		{"index, not manifest", func(l layout) string { return l.put(index(l.image(config, layer))) }, "names no config"},
		{"not JSON", func(l layout) string { return l.put([]byte("{")) }, "the manifest: unexpected end"},
		{"not a tar", func(l layout) string {
			return l.image(config, []byte("not a layer, long enough to be read as a tar header"))
		}, "layer sha256:"},
		{"truncated gzip", func(l layout) string { return l.image(config, layer[:len(layer)-10]) }, "unexpected EOF"},
		{"zstd", func(l layout) string {
			d := l.put(layer)
			return l.put(fmt.Appendf(nil, `{"config":{"digest":%q},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":%q}]}`, l.put([]byte(config)), d))
		}, "zstd-compressed"},
		{"too large", func(l layout) string { return l.put(bytes.Repeat([]byte(" "), maxJSON+1)) }, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := layout{}
			digest := tc.make(l)
			dir := l.disk(t)
			_, err := Read(dir, digest)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("Read: %v, want an error naming %s that says %q", err, dir, tc.want)
			}
		})
	}
}

// TestManifests walks an index with a nested index, a manifest listed
// twice and a descriptor of another kind.
func TestManifests(t *testing.T) {
	l := layout{}
	a := l.image(`{"os":"linux","architecture":"amd64"}`)
	b := l.image(`{"os":"linux","architecture":"arm64"}`)
	c := l.image(`{"os":"linux","architecture":"386"}`)
	inner := l.put(index(b, a))
	l["index.json"] = &fstest.MapFile{Data: bytes.Replace(index(a, "index:"+inner, c),
		[]byte(`"manifests":[`), []byte(`"manifests":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:x"},`), 1)}
	dir := l.disk(t)
	got, err := Manifests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{a, b, c}; !slicesEqual(got, want) {
		t.Errorf("Manifests = %v, want %v", got, want)
	}

	delete(l, "blobs/sha256/"+inner[7:])
	if _, err := Manifests(l.disk(t)); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Manifests with a missing nested index: %v", err)
	}
	if _, err := Manifests(t.TempDir()); err == nil || !strings.Contains(err.Error(), "index.json") {
		t.Errorf("Manifests of an empty directory: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "index.json")
	os.WriteFile(bad, []byte(`{"manifests":{}}`), 0o644)
	if _, err := Manifests(filepath.Dir(bad)); err == nil || !strings.Contains(err.Error(), "index.json: json") {
		t.Errorf("Manifests of a bad index.json: %v", err)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, " ") == strings.Join(b, " ") }

// FuzzRead reads a layout of any index, manifest, config and layer, in
// which "CONFIG", "LAYER" and "MANIFEST" stand for the blobs' digests: the
// reader fails or succeeds, and never panics.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"MANIFEST"}]}`),
		[]byte(`{"config":{"digest":"CONFIG"},"layers":[{"digest":"LAYER"}]}`),
		[]byte(`{"os":"linux","architecture":"arm","variant":"v7"}`),
		tarOf(true, entry{name: "usr/local/bin/app", data: "app"}, entry{name: ".wh.x"}, entry{name: "a/.wh..wh..opq"}))
	f.Add([]byte(`{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"MANIFEST"}]}`),
		[]byte(`{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"MANIFEST"}]}`),
		[]byte(`{}`), tarOf(false, entry{name: "l", typ: tar.TypeLink, link: "l"}))
	f.Add([]byte(`{}`), []byte(`{"config":{"digest":"CONFIG"},"layers":[{"digest":"LAYER"},{"digest":"LAYER"}]}`),
		[]byte(`null`), []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, idx, manifest, config, layer []byte) {
		l := layout{}
		cd, ld := l.put(config), l.put(layer)
		manifest = bytes.ReplaceAll(bytes.ReplaceAll(manifest, []byte("CONFIG"), []byte(cd)), []byte("LAYER"), []byte(ld))
		md := l.put(manifest)
		l["index.json"] = &fstest.MapFile{Data: bytes.ReplaceAll(idx, []byte("MANIFEST"), []byte(md))}
		fsys := fstest.MapFS(l)
		ds, _ := manifests(fsys)
		for _, d := range append(ds, md) {
			if im, err := read(fsys, d); err == nil && im.Files == nil {
				t.Errorf("read(%s) returned no files and no error", d)
			}
		}
	})
}
