package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/magestatic/magestatic/staticbuild/internal/ocilayout"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// build runs Build and fails the test on an error.
func build(t testing.TB, cfg Config, bins []Binary) *Result {
	t.Helper()
	r, err := Build(context.Background(), cfg, bins)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}

// buildLayout builds bins and writes the layout to a new directory.
func buildLayout(t testing.TB, cfg Config, bins []Binary) (*Result, string) {
	t.Helper()
	r := build(t, cfg, bins)
	dir := filepath.Join(t.TempDir(), "layout")
	if err := WriteLayout(dir, r); err != nil {
		t.Fatalf("WriteLayout: %v", err)
	}
	return r, dir
}

func fileSHA256(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return sum(b)
}

func digestOf(b []byte) string { return "sha256:" + sum(b) }

// TestLayoutWithTools writes a layout for linux/amd64 and linux/arm64 and
// reads it back with skopeo and umoci, then runs each image's binary in
// its unpacked root file system: amd64 directly, arm64 under qemu.
func TestLayoutWithTools(t *testing.T) {
	skopeo := needTool(t, "skopeo", "skopeo")
	umoci := needTool(t, "umoci", "umoci")
	qemu := needTool(t, "qemu-aarch64-static", "qemu-user-static")
	needRoot(t, "unpacking images and chroot")
	bins := appBinaries(t)
	r, dir := buildLayout(t, testConfig(t), bins)
	if err := Check(dir, bins); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(r.Images) != 2 || len(r.Notes) != 0 {
		t.Fatalf("Build made %d images with notes %q, want 2 and none", len(r.Images), r.Notes)
	}

	raw := run(t, skopeo, "inspect", "--raw", "oci:"+dir+":"+r.Tag)
	if got := digestOf([]byte(raw)); got != r.Digest {
		t.Errorf("skopeo reads the index %s under tag %s, want %s", got, r.Tag, r.Digest)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal([]byte(raw), &idx); err != nil {
		t.Fatal(err)
	}
	if idx.MediaType != "application/vnd.oci.image.index.v1+json" || len(idx.Manifests) != 2 {
		t.Fatalf("index as skopeo reads it: %s", raw)
	}

	for _, im := range r.Images {
		t.Run(im.Platform.Arch, func(t *testing.T) {
			ref := "oci:" + dir + ":" + PlatformTag(r.Tag, im.Platform)
			man := run(t, skopeo, "inspect", "--raw", ref)
			if got := digestOf([]byte(man)); got != im.Digest {
				t.Errorf("skopeo reads the manifest %s, want %s", got, im.Digest)
			}
			var c v1.ConfigFile
			if err := json.Unmarshal([]byte(run(t, skopeo, "inspect", "--config", ref)), &c); err != nil {
				t.Fatal(err)
			}
			if c.OS != "linux" || c.Architecture != im.Platform.Arch {
				t.Errorf("config platform %s/%s, want %s", c.OS, c.Architecture, im.Platform)
			}
			if c.Config.User != DefaultUser || strings.Join(c.Config.Entrypoint, " ") != "/usr/local/bin/app" {
				t.Errorf("config runs %q as %q, want /usr/local/bin/app as %s", c.Config.Entrypoint, c.Config.User, DefaultUser)
			}
			if !c.Created.Time.Equal(testTime) || c.Config.Labels[keyVersion] != "v1.2.3" || c.Config.Labels[keyCreated] != "2024-05-01T12:34:56Z" {
				t.Errorf("config created %s, labels %v", c.Created.Time, c.Config.Labels)
			}
			for _, h := range c.History {
				if !h.Created.Time.Equal(testTime) {
					t.Errorf("history %q dated %s, want %s", h.CreatedBy, h.Created.Time, testTime)
				}
			}

			bundle := filepath.Join(t.TempDir(), "bundle")
			run(t, umoci, "unpack", "--image", dir+":"+PlatformTag(r.Tag, im.Platform), bundle)
			rootfs := filepath.Join(bundle, "rootfs")
			checkRootfs(t, rootfs, im.Binaries[0].Source)

			argv := []string{"/usr/local/bin/app"}
			if im.Platform.Arch == "arm64" {
				copyFile(t, qemu, filepath.Join(rootfs, "qemu-aarch64-static"), 0o755)
				argv = []string{"/qemu-aarch64-static", "/usr/local/bin/app"}
			}
			env := c.Config.Env
			out := chroot(t, rootfs, env, append(argv, "--version")...)
			if want := "app 1.0.0 linux/" + im.Platform.Arch + "\n"; out != want {
				t.Errorf("app --version in the image printed %q, want %q", out, want)
			}
			// The time zone database of the image, read by a nonroot user.
			out = chroot(t, rootfs, env, append(argv, "tz", "America/New_York")...)
			if out != "America/New_York -18000\n" {
				t.Errorf("app tz America/New_York in the image printed %q", out)
			}
			if im.Platform.Arch == "amd64" {
				checkTLS(t, rootfs, env, argv)
			}
		})
	}
}

// checkRootfs checks an unpacked image: the binary, the base's files and
// modes, and every modification time.
func checkRootfs(t *testing.T, rootfs, source string) {
	t.Helper()
	if got, want := fileSHA256(t, filepath.Join(rootfs, "usr/local/bin/app")), fileSHA256(t, source); got != want {
		t.Errorf("the unpacked binary has SHA-256 %s, the source %s", got, want)
	}
	for name, want := range map[string]fs.FileMode{
		"tmp":                    fs.ModeDir | fs.ModeSticky | 0o777,
		"root":                   fs.ModeDir | 0o700,
		"home/nonroot":           fs.ModeDir | 0o700,
		"etc/passwd":             0o644,
		"usr/local/bin/app":      0o755,
		CACertFile[1:]:           0o644,
		"usr/share/zoneinfo/UTC": 0o644,
	} {
		fi, err := os.Lstat(filepath.Join(rootfs, name))
		if err != nil {
			t.Error(err)
			continue
		}
		if fi.Mode() != want {
			t.Errorf("/%s has mode %s, want %s", name, fi.Mode(), want)
		}
	}
	if st, err := os.Stat(filepath.Join(rootfs, "home/nonroot")); err == nil {
		if uid, gid, ok := owner(st); ok && (uid != 65532 || gid != 65532) {
			t.Errorf("/home/nonroot is owned by %d:%d, want 65532:65532", uid, gid)
		}
	}
	passwd, _ := os.ReadFile(filepath.Join(rootfs, "etc/passwd"))
	if !bytes.Contains(passwd, []byte("nonroot:x:65532:65532:")) || !bytes.HasPrefix(passwd, []byte("root:x:0:0:")) {
		t.Errorf("/etc/passwd:\n%s", passwd)
	}
	n, late := 0, 0
	filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == rootfs {
			return err
		}
		n++
		if fi, err := d.Info(); err == nil && !fi.ModTime().Equal(testTime) {
			if late == 0 {
				t.Errorf("%s has mtime %s, want %s", p, fi.ModTime(), testTime)
			}
			late++
		}
		return nil
	})
	if late > 0 {
		t.Errorf("%d of %d entries have another mtime than %s", late, n, testTime)
	}
	if n < 500 {
		t.Errorf("the root file system has %d entries, want the zoneinfo database's 500 or more", n)
	}
}

// checkTLS proves that the image's CA bundle is usable. The bundle holds
// public roots only, whose keys no test has, so the test checks what it
// holds, then serves HTTPS with a certificate from a root of its own and
// runs the binary in the image twice: with the image's environment, where
// the default bundle does not know the root and the handshake must fail,
// and with SSL_CERT_FILE naming a copy of the image's bundle with the
// test's root appended, where it must succeed. The bundle file is read as
// the image ships it either way.
func checkTLS(t *testing.T, rootfs string, env, argv []string) {
	t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(rootfs, CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	roots, n := parseBundle(t, pemBytes)
	if n < 100 {
		t.Errorf("%s holds %d certificates, want at least 100", CACertFile, n)
	}
	if !roots["ISRG Root X1"] {
		t.Errorf("%s lacks ISRG Root X1 (Let's Encrypt)", CACertFile)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("x509.CertPool.AppendCertsFromPEM takes none of %s", CACertFile)
	}

	caPEM, srv := tlsServer(t)
	defer srv.Close()
	url := srv.URL + "/"
	out, err := chrootErr(rootfs, env, append(argv, "get", url)...)
	if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Errorf("with the image's bundle alone, GET %s gave %q, %v; want an unknown authority", url, out, err)
	}
	withRoot := append(append([]byte{}, pemBytes...), caPEM...)
	if err := os.WriteFile(filepath.Join(rootfs, "tmp", "bundle.pem"), withRoot, 0o644); err != nil {
		t.Fatal(err)
	}
	out = chroot(t, rootfs, append(env, "SSL_CERT_FILE=/tmp/bundle.pem"), append(argv, "get", url)...)
	if out != "200 OK\n" {
		t.Errorf("GET %s in the image printed %q, want 200 OK", url, out)
	}
}

// parseBundle returns the common names in a PEM bundle and the number of
// certificates.
func parseBundle(t *testing.T, b []byte) (map[string]bool, int) {
	t.Helper()
	names := map[string]bool{}
	n := 0
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatalf("certificate %d of the bundle: %v", n, err)
		}
		names[c.Subject.CommonName] = true
		n++
	}
	return names, n
}

// tlsServer serves HTTPS on 127.0.0.1 with a certificate issued by a new
// root, and returns the root's PEM.
func tlsServer(t *testing.T) ([]byte, *httptest.Server) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "magestatic test root"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Listener.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}}
	srv.StartTLS()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), srv
}

// chroot runs argv in rootfs as the image's user, with only env.
func chroot(t *testing.T, rootfs string, env []string, argv ...string) string {
	t.Helper()
	out, err := chrootErr(rootfs, env, argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func chrootErr(rootfs string, env []string, argv ...string) (string, error) {
	cmd := exec.Command("chroot", append([]string{"--userspec=" + DefaultUser, rootfs}, argv...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &cmdError{argv: cmd.Args, err: err, stderr: stderr.String()}
	}
	return stdout.String(), nil
}

type cmdError struct {
	argv   []string
	err    error
	stderr string
}

func (e *cmdError) Error() string {
	return strings.Join(e.argv, " ") + ": " + e.err.Error() + ": " + e.stderr
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
}

// copyBinaries copies bins into a new directory, as another checkout's
// build would place them.
func copyBinaries(t *testing.T, bins []Binary) []Binary {
	t.Helper()
	dir := t.TempDir()
	var out []Binary
	for _, b := range bins {
		d := filepath.Join(dir, b.Platform.Arch)
		os.MkdirAll(d, 0o755)
		copyFile(t, b.Source, filepath.Join(d, "app"), 0o700)
		b.Source = filepath.Join(d, "app")
		out = append(out, b)
	}
	return out
}

// treeSums returns each file of a directory tree with its SHA-256 and mode.
func treeSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, _ := d.Info()
		rel, _ := filepath.Rel(dir, p)
		m[rel] = fileSHA256(t, p) + " " + fi.Mode().String()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestReproducible builds twice from copies of the binaries in other
// directories, into fresh layouts: the digests and every file of the
// layouts are the same. Another build time changes them.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	bins := appBinaries(t)
	cfg := testConfig(t)
	cfg.Files = []File{{Source: writeTemp(t, "hello\n"), Path: "/etc/app/greeting"}}
	r1, dir1 := buildLayout(t, cfg, copyBinaries(t, bins))
	cfg.Files[0].Source = writeTemp(t, "hello\n")
	r2, dir2 := buildLayout(t, cfg, copyBinaries(t, bins))
	if r1.Digest != r2.Digest {
		t.Fatalf("two builds gave the index digests %s and %s", r1.Digest, r2.Digest)
	}
	s1, s2 := treeSums(t, dir1), treeSums(t, dir2)
	if len(s1) != len(s2) {
		t.Fatalf("the layouts have %d and %d files", len(s1), len(s2))
	}
	for f, s := range s1 {
		if s2[f] != s {
			t.Errorf("%s: %s and %s", f, s, s2[f])
		}
		if want := " " + testmod.Perm(0o644).String(); !strings.HasSuffix(s, want) {
			t.Errorf("%s has mode %s, want %s", f, s, want)
		}
	}
	if err := Check(dir1, bins); err != nil {
		t.Fatal(err)
	}

	cfg.Time = testTime.Add(time.Second)
	if r3 := build(t, cfg, bins); r3.Digest == r1.Digest {
		t.Errorf("another build time gave the same digest %s", r3.Digest)
	}
	// Rewriting a layout replaces it whole and leaves no temporary files.
	if err := WriteLayout(dir1, r2); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Dir(dir1))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), TempPrefix) {
			t.Errorf("WriteLayout left %s", e.Name())
		}
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestLayoutBase builds a base for linux/amd64 only, writes it as a
// layout, and builds on it: only the amd64 image is made, with a note
// for arm64, the base's digest in the result and its layers below the
// binary's.
func TestLayoutBase(t *testing.T) {
	bins := appBinaries(t)
	baseCfg := Config{
		Base:  BaseScratch,
		Files: []File{{Source: writeTemp(t, "base\n"), Path: "/etc/base-release"}},
		Env:   []string{"BASE=1", "PATH=/bin"},
		Time:  testTime,
	}
	helper := Binary{Platform: amd64, Source: appBinary(t, amd64).Source, Path: "/bin/helper"}
	baseRes, baseDir := buildLayout(t, baseCfg, []Binary{helper})

	cfg := testConfig(t)
	cfg.Base = "oci-layout:" + baseDir
	cfg.Env = []string{"PATH=/usr/local/bin:/bin"}
	r, dir := buildLayout(t, cfg, bins)
	if r.BaseDigest != baseRes.Digest {
		t.Errorf("Result.BaseDigest = %s, want the base index %s", r.BaseDigest, baseRes.Digest)
	}
	if len(r.Images) != 1 || r.Images[0].Platform != amd64 {
		t.Fatalf("Build made %v, want linux/amd64 only", r.Images)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "linux/arm64") || !strings.Contains(r.Notes[0], "linux/amd64") {
		t.Errorf("Notes = %q, want one naming linux/arm64 and what the base has", r.Notes)
	}
	if err := Check(dir, r.Images[0].Binaries); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir, bins); err == nil || !strings.Contains(err.Error(), "no linux/arm64/v8 image") {
		t.Errorf("Check with the left-out arm64 binary: %v", err)
	}

	baseImg := baseRes.Images[0].img
	img := r.Images[0].img
	if len(img.layers) != len(baseImg.layers)+1 {
		t.Fatalf("the image has %d layers, want the base's %d and one", len(img.layers), len(baseImg.layers))
	}
	for i, l := range baseImg.layers {
		if a, b := mustDigest(t, l), mustDigest(t, img.layers[i]); a != b {
			t.Errorf("layer %d is %s, the base's is %s", i, b, a)
		}
	}
	m, _ := img.Manifest()
	if m.Annotations[keyBaseDigest] != baseRes.Images[0].Digest {
		t.Errorf("annotation %s = %q, want the base image %s", keyBaseDigest, m.Annotations[keyBaseDigest], baseRes.Images[0].Digest)
	}
	c, _ := img.ConfigFile()
	if strings.Join(c.Config.Env, " ") != "BASE=1 PATH=/usr/local/bin:/bin" {
		t.Errorf("Env = %q, want the base's with PATH replaced", c.Config.Env)
	}
	li, err := ocilayout.Read(dir, r.Images[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if li.Files["etc/base-release"] != sum([]byte("base\n")) || li.Files["bin/helper"] == "" || li.Files["usr/local/bin/app"] == "" {
		t.Errorf("the image lacks the base's files or the binary: %v", li.Files)
	}
}

func mustDigest(t *testing.T, l v1.Layer) v1.Hash {
	t.Helper()
	d, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCheckFails shows that Check finds a binary that differs from its
// source, a binary in the image of another platform, and a platform the
// layout lacks.
func TestCheckFails(t *testing.T) {
	bins := copyBinaries(t, appBinaries(t))
	_, dir := buildLayout(t, testConfig(t), bins)
	if err := Check(dir, bins); err != nil {
		t.Fatal(err)
	}

	changed := append([]Binary{}, bins...)
	f, err := os.OpenFile(changed[1].Source, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	err = Check(dir, changed)
	if err == nil || !strings.Contains(err.Error(), "/usr/local/bin/app") || !strings.Contains(err.Error(), "differs from "+changed[1].Source) {
		t.Errorf("Check with a changed source: %v", err)
	}

	amdAsArm := []Binary{{Platform: arm64, Source: appBinary(t, amd64).Source}}
	_, dir2 := buildLayout(t, testConfig(t), amdAsArm)
	err = Check(dir2, amdAsArm)
	if err == nil || !strings.Contains(err.Error(), "ELF header says EM_X86_64") {
		t.Errorf("Check with an amd64 binary in the arm64 image: %v", err)
	}

	err = Check(dir, []Binary{{Platform: Platform{OS: "linux", Arch: "s390x"}, Source: bins[0].Source}})
	if err == nil || !strings.Contains(err.Error(), "no linux/s390x image") {
		t.Errorf("Check with a platform the layout lacks: %v", err)
	}
}

// TestBuildErrors checks that bad input fails with an error that names
// the problem and the fix.
func TestBuildErrors(t *testing.T) {
	bin := appBinary(t, amd64)
	cfg := testConfig(t)
	other := writeTemp(t, "x")
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		bins []Binary
		want string
	}{
		{"tag base", func(c *Config) { c.Base = "127.0.0.1:5000/base:latest" }, []Binary{bin}, "names a tag, which can move: name the base by digest"},
		{"not linux", nil, []Binary{{Platform: Platform{OS: "darwin", Arch: "arm64"}, Source: bin.Source}}, "images hold linux binaries only"},
		{"no file", nil, []Binary{{Platform: amd64, Source: "/nonexistent/app"}}, "/nonexistent/app"},
		{"relative path", nil, []Binary{{Platform: amd64, Source: bin.Source, Path: "bin/app"}}, `path "bin/app" in the image must be absolute`},
		{"two names", nil, []Binary{bin, {Platform: amd64, Source: other, Path: "/usr/local/bin/tool"}}, "set Config.Entrypoint"},
		{"no entrypoint", func(c *Config) { c.Entrypoint = "server" }, []Binary{bin}, `the entrypoint "server" is not among the binaries of linux/amd64`},
		{"no zoneinfo", func(c *Config) { c.GOROOT = "/nonexistent" }, []Binary{bin}, "set Config.GOROOT"},
		{"no layout", func(c *Config) { c.Base = "oci-layout:/nonexistent" }, []Binary{bin}, "/nonexistent does not exist: write an OCI image layout there"},
		{"file over binary", func(c *Config) { c.Files = []File{{Source: other, Path: "/usr/local/bin/app"}} }, []Binary{bin}, "both go to /usr/local/bin/app"},
		{"no binaries", nil, nil, "no binaries"},
		{"same OCI platform", nil, []Binary{bin, {Platform: Platform{OS: "linux", Arch: "amd64", Variant: "v1"}, Source: bin.Source}}, "the platforms linux/amd64 and linux/amd64/v1 are both linux/amd64 in an image index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			if tc.cfg != nil {
				tc.cfg(&c)
			}
			_, err := Build(context.Background(), c, tc.bins)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build: %v; want an error containing %q", err, tc.want)
			}
		})
	}

	r := build(t, cfg, []Binary{bin})
	if err := WriteTarball(filepath.Join(t.TempDir(), "x.tar"), "", r, arm64); err == nil || !strings.Contains(err.Error(), "no linux/arm64 image; the result has linux/amd64") {
		t.Errorf("WriteTarball for a missing platform: %v", err)
	}
	if _, err := Push(context.Background(), "127.0.0.1:1/app@sha256:"+strings.Repeat("0", 64), r, nil); err == nil || !strings.Contains(err.Error(), "names a digest") {
		t.Errorf("Push to a digest: %v", err)
	}
}

func TestTagOf(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "latest",
		"v1.2.3":                 "v1.2.3",
		"v1.2.3+build.5":         "v1.2.3-build.5",
		"v0.1.0-3-gabc/dirty":    "v0.1.0-3-gabc-dirty",
		".hidden":                "_hidden",
		strings.Repeat("a", 200): strings.Repeat("a", 128),
	} {
		if got := tagOf(in); got != want {
			t.Errorf("tagOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBuiltinBase checks the built-in base layer's members: sorted, owned
// by root or nonroot, dated with the build time, with fixed modes, and the
// same layer for every platform.
func TestBuiltinBase(t *testing.T) {
	l, err := builtinLayer(context.Background(), goroot(t), testTime)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		owner := 0
		if h.Name == "home/nonroot/" {
			owner = 65532
		}
		if h.Uid != owner || h.Gid != owner || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s is owned by %d:%d (%q:%q), want %d:%d", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, owner, owner)
		}
		if !h.ModTime.Equal(testTime) || !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s has times %s %s %s, want only the mtime %s", h.Name, h.ModTime, h.AccessTime, h.ChangeTime, testTime)
		}
		want := int64(0o644)
		switch {
		case h.Name == "tmp/":
			want = 0o1777
		case h.Name == "root/" || h.Name == "home/nonroot/":
			want = 0o700
		case h.Typeflag == tar.TypeDir:
			want = 0o755
		}
		if h.Mode != want {
			t.Errorf("%s has mode %o, want %o", h.Name, h.Mode, want)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("the members are not sorted: %q", names)
	}
	for _, n := range []string{"etc/", "etc/group", "etc/nsswitch.conf", "etc/passwd", "etc/ssl/certs/ca-certificates.crt", "tmp/", "usr/share/zoneinfo/Europe/Paris"} {
		if !slices.Contains(names, n) {
			t.Errorf("the base lacks %s", n)
		}
	}

	l2, err := builtinLayer(context.Background(), goroot(t), testTime)
	if err != nil {
		t.Fatal(err)
	}
	if l.digest != l2.digest {
		t.Fatalf("the built-in base layer is %s, then %s", l.digest, l2.digest)
	}
	r := build(t, testConfig(t), appBinaries(t))
	if a, b := mustDigest(t, r.Images[0].img.layers[0]), mustDigest(t, r.Images[1].img.layers[0]); a != b || a != l.digest {
		t.Errorf("the platforms' base layers are %s and %s, want %s", a, b, l.digest)
	}
}
