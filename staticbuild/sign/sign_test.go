package sign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/sigbundle"
	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

var files = map[string]string{"cmd/app/main.go": testmod.Hello}

const passphrase = "correct horse battery staple 7f3a"

// env is the environment of a run: the matrix, no binary cache, none of
// the signing variables of the process, and extra.
func env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "MAGESTATIC_") && name != envSSHAuthSock && name != envCosignPassword {
			out = append(out, kv)
		}
	}
	out = append(out, "MAGESTATIC_PLATFORMS"+"=linux/amd64,windows/amd64", "MAGESTATIC_CACHE"+"=off")
	return append(out, extra...)
}

func need(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (apt-get install openssh-client openssl)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// newSSHKey makes a key pair with ssh-keygen and returns the private key's
// file and the public key's line.
func newSSHKey(t *testing.T, typ, pass string) (string, string) {
	dir := t.TempDir()
	key := filepath.Join(dir, "id_"+typ)
	args := []string{"-q", "-t", typ, "-N", pass, "-C", "test", "-f", key}
	if typ == "rsa" {
		args = append(args, "-b", "2048")
	}
	testmod.Run(t, dir, "ssh-keygen", args...)
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return key, strings.TrimSpace(string(pub))
}

// cosignKey makes an ECDSA P-256 key pair with openssl, as PKCS #8 PEM,
// and returns the private key's file and the public key's.
func cosignKey(t *testing.T) (string, string) {
	dir := t.TempDir()
	key, pub := filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	testmod.Run(t, dir, "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
	testmod.Run(t, dir, "openssl", "pkey", "-in", key, "-pubout", "-out", pub)
	return key, pub
}

// sshVerify runs ssh-keygen -Y verify on file and its signature.
func sshVerify(t *testing.T, pub, identity, namespace, file, sig string) ([]byte, error) {
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	os.WriteFile(allowed, []byte(identity+" "+pub+"\n"), 0o644)
	in, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", allowed, "-I", identity, "-n", namespace, "-s", sig)
	cmd.Stdin = in
	return cmd.CombinedOutput()
}

// flipped copies file with one byte changed.
func flipped(t *testing.T, file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	out := filepath.Join(t.TempDir(), filepath.Base(file))
	os.WriteFile(out, data, 0o644)
	return out
}

// checkBundle checks a Sigstore bundle on its own terms, without the
// package's code: its protobuf-JSON shape (sigstore protobuf-specs
// Bundle v0.3 with a message signature and a public key hint), the
// digest of the file, the hint of the public key, and the ECDSA signature.
func checkBundle(t *testing.T, bundle, file, pubFile string) error {
	t.Helper()
	var b map[string]any
	data, _ := os.ReadFile(bundle)
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	pemData, _ := os.ReadFile(pubFile)
	block, _ := pem.Decode(pemData)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	hint := sha256.Sum256(block.Bytes)
	vm, _ := b["verificationMaterial"].(map[string]any)
	pk, _ := vm["publicKey"].(map[string]any)
	ms, _ := b["messageSignature"].(map[string]any)
	md, _ := ms["messageDigest"].(map[string]any)
	if b["mediaType"] != "application/vnd.dev.sigstore.bundle.v0.3+json" || len(b) != 3 || len(vm) != 1 || pk["hint"] != base64.StdEncoding.EncodeToString(hint[:]) || md["algorithm"] != "SHA2_256" {
		t.Fatalf("%s is not a v0.3 bundle with a message signature and the key's hint:\n%s", bundle, data)
	}
	digest, _ := base64.StdEncoding.DecodeString(md["digest"].(string))
	sig, _ := base64.StdEncoding.DecodeString(ms["signature"].(string))
	message, _ := os.ReadFile(file)
	sum := sha256.Sum256(message)
	if !bytes.Equal(digest, sum[:]) {
		return errDigest
	}
	if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), sum[:], sig) {
		return errSignature
	}
	return nil
}

var (
	errDigest    = &testError{"the bundle's digest is not the file's"}
	errSignature = &testError{"the bundle's signature does not verify"}
)

type testError struct{ s string }

func (e *testError) Error() string { return e.s }

// sigstoreGo verifies a bundle with sigstore-go's verifier, built from
// the module in internal/sigstorecheck.
func sigstoreGo(t *testing.T, bundle, file, pubFile string) ([]byte, error) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sigstorecheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "internal/sigstorecheck"
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the sigstore-go verifier: %v\n%s", err, out)
	}
	return exec.Command(bin, "-key", pubFile, "-bundle", bundle, file).CombinedOutput()
}

// TestRelease releases with an encrypted SSH key and a Sigstore key that
// also signs every archive, and checks the signatures with ssh-keygen and
// with the bundle's own terms (and sigstore-go's verifier unless short),
// the manifest, the log, a no-op second release and a re-release forced
// by a changed setting, which keeps the bytes.
func TestRelease(t *testing.T) {
	need(t, "ssh-keygen", "openssl")
	t.Parallel()
	key, pub := newSSHKey(t, "ed25519", passphrase)
	ckey, cpub := cosignKey(t)
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	steps := func(identity string) []staticbuild.Step {
		return []staticbuild.Step{Step(SSH{Key: key, Identity: identity}, Sigstore{Key: ckey, All: true})}
	}
	e := env(envSSHPassphrase + "=" + passphrase)
	var log bytes.Buffer
	r, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: steps("alice@example.com"), Environ: e}).Release(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, s := range r.Steps {
		if s.Name == "sign" {
			t.Logf("the sign step took %v", s.Elapsed)
		}
	}
	dist := filepath.Join(dir, "dist")
	sums := filepath.Join(dist, "SHA256SUMS")
	if out, err := sshVerify(t, pub, "alice@example.com", "file", sums, sums+".sig"); err != nil || !strings.Contains(string(out), "Good \"file\" signature for alice@example.com") {
		t.Errorf("ssh-keygen -Y verify: %v\n%s", err, out)
	}
	if out, err := sshVerify(t, pub, "alice@example.com", "file", flipped(t, sums), sums+".sig"); err == nil {
		t.Errorf("ssh-keygen -Y verify accepted a changed SHA256SUMS:\n%s", out)
	}
	if err := checkBundle(t, sums+".sigstore.json", sums, cpub); err != nil {
		t.Error(err)
	}
	if err := checkBundle(t, sums+".sigstore.json", flipped(t, sums), cpub); err != errDigest {
		t.Errorf("a changed SHA256SUMS: %v, want %v", err, errDigest)
	}
	if !testing.Short() {
		if out, err := sigstoreGo(t, sums+".sigstore.json", sums, cpub); err != nil {
			t.Errorf("sigstore-go: %v\n%s", err, out)
		}
		if out, err := sigstoreGo(t, sums+".sigstore.json", flipped(t, sums), cpub); err == nil {
			t.Errorf("sigstore-go accepted a changed SHA256SUMS:\n%s", out)
		}
	}
	// Every archive has a bundle; the manifest lists the signatures, the
	// checksum file does not.
	archives := r.Artifacts.Of(artifact.Archive)
	bundles, sigs := r.Artifacts.Of(kindSigstoreBundle), r.Artifacts.Of(kindSignature)
	if len(archives) != 2 || len(bundles) != 1+len(archives)+len(r.Artifacts.Of(artifact.SBOM)) || len(sigs) != 1 {
		t.Errorf("%d archives, %d bundles, %d signatures: want a bundle of every file SHA256SUMS lists and one SSH signature", len(archives), len(bundles), len(sigs))
	}
	for _, a := range archives {
		if err := checkBundle(t, filepath.Join(dist, a.Path+".sigstore.json"), filepath.Join(dist, a.Path), cpub); err != nil {
			t.Errorf("%s: %v", a.Path, err)
		}
	}
	list, err := artifact.Read(filepath.Join(dist, "artifacts.json"))
	if err != nil || len(list.Of(kindSignature)) != 1 || len(list.Of(kindSigstoreBundle)) != len(bundles) {
		t.Errorf("artifacts.json: %v, %+v", err, list)
	}
	sumData, _ := os.ReadFile(sums)
	if strings.Contains(string(sumData), ".sig") {
		t.Errorf("SHA256SUMS lists a signature:\n%s", sumData)
	}
	before := testmod.Tree(t, dist)
	// With nothing changed, the next release is a no-op.
	log.Reset()
	if _, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: steps("alice@example.com"), Environ: e}).Release(context.Background()); err != nil || !strings.Contains(log.String(), "nothing changed") {
		t.Errorf("the second release: %v\n%s", err, log.String())
	}
	// Another identity changes the step's key: the release runs again and
	// writes the same bytes, so the published version is accepted again.
	log.Reset()
	if _, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: steps("bob@example.com"), Environ: e}).Release(context.Background()); err != nil || strings.Contains(log.String(), "nothing changed") {
		t.Fatalf("the release with another identity: %v\n%s", err, log.String())
	}
	after := testmod.Tree(t, dist)
	for name, data := range before {
		if after[name] != data {
			t.Errorf("%s changed in the re-release", name)
		}
	}
	// No secret in the log, the manifest or the state.
	for name, data := range map[string]string{"log": log.String(), "artifacts.json": after["artifacts.json"], "state": readFile(dist, ".state.json")} {
		if strings.Contains(data, passphrase) || strings.Contains(data, "PRIVATE KEY") {
			t.Errorf("the %s holds a secret", name)
		}
	}
	if f := strings.Fields(pub); !strings.Contains(log.String(), "allowed_signers line: bob@example.com "+f[0]+" "+f[1]+";") {
		t.Errorf("the log does not give the allowed_signers line:\n%s", log.String())
	}
	// A new key in the same file, with the same settings, is a change: the
	// release runs again, and the published version's signatures change
	// only when told to.
	os.Remove(ckey)
	os.Remove(cpub)
	testmod.Run(t, filepath.Dir(ckey), "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ckey)
	testmod.Run(t, filepath.Dir(ckey), "openssl", "pkey", "-in", ckey, "-pubout", "-out", cpub)
	_, err = (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: steps("bob@example.com"), Environ: e}).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "SHA256SUMS.sigstore.json") {
		t.Errorf("a release with a new key: %v, want a refusal naming the bundle", err)
	}
	if _, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: steps("bob@example.com"), Replace: true, Environ: e}).Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := checkBundle(t, sums+".sigstore.json", sums, cpub); err != nil {
		t.Errorf("the bundle of the new key: %v", err)
	}
}

func readFile(dir, name string) string {
	data, _ := os.ReadFile(filepath.Join(dir, name))
	return string(data)
}

// TestKeyTypes signs with ECDSA and RSA keys from files and checks the
// signatures with ssh-keygen; signing twice gives the same bytes.
func TestKeyTypes(t *testing.T) {
	need(t, "ssh-keygen")
	t.Parallel()
	message := filepath.Join(t.TempDir(), "SHA256SUMS")
	os.WriteFile(message, []byte("00  app.tar.gz\n"), 0o644)
	data, _ := os.ReadFile(message)
	for _, typ := range []string{"ecdsa", "rsa", "ed25519"} {
		key, pub := newSSHKey(t, typ, "")
		k, err := SSH{Key: key}.open(func(string) (string, bool) { return "", false }, "")
		if err != nil {
			t.Fatal(err)
		}
		sig, err := k.sign(data)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := k.sign(data); !bytes.Equal(again, sig) {
			t.Errorf("%s: two signatures of the same file differ", typ)
		}
		os.WriteFile(message+".sig", sig, 0o644)
		if out, err := sshVerify(t, pub, "release", "file", message, message+".sig"); err != nil {
			t.Errorf("%s: ssh-keygen -Y verify: %v\n%s", typ, err, out)
		}
		if typ == "ed25519" {
			// ssh-keygen -Y sign writes the same bytes.
			os.Remove(message + ".sig")
			testmod.Run(t, filepath.Dir(message), "ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", "file", message)
			theirs, _ := os.ReadFile(message + ".sig")
			if !bytes.Equal(theirs, sig) {
				t.Errorf("ssh-keygen -Y sign wrote\n%s\nthe step\n%s", theirs, sig)
			}
		}
	}
}

// startAgent starts ssh-agent on a socket of its own with the keys added.
func startAgent(t *testing.T, keys ...string) string {
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agent := exec.Command("ssh-agent", "-a", sock, "-D")
	agent.Stdout, agent.Stderr = io.Discard, io.Discard
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i == 100 {
			t.Fatal("ssh-agent made no socket")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, k := range keys {
		add := exec.Command("ssh-add", "-q", k)
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add: %v\n%s", err, out)
		}
	}
	return sock
}

// TestAgent signs with an ECDSA key held by a real ssh-agent, picked by
// its fingerprint, whose signatures differ each time: a re-release of the
// same version keeps the signature it made, and ssh-keygen accepts it. An
// agent without the key fails the release before it builds.
func TestAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	need(t, "ssh-keygen", "ssh-agent", "ssh-add")
	t.Parallel()
	key, pub := newSSHKey(t, "ecdsa", "")
	other, _ := newSSHKey(t, "ed25519", "")
	sock := startAgent(t, other, key)
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	steps := func(ns string) []staticbuild.Step { return []staticbuild.Step{Step(SSH{Agent: pub, Namespace: ns})} }
	e := env(envSSHAuthSock + "=" + sock)
	if _, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: steps(""), Environ: e}).Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	sums := filepath.Join(dir, "dist", "SHA256SUMS")
	first, _ := os.ReadFile(sums + ".sig")
	if out, err := sshVerify(t, pub, "release", "file", sums, sums+".sig"); err != nil {
		t.Errorf("ssh-keygen -Y verify: %v\n%s", err, out)
	}
	// The agent's ECDSA signatures are not deterministic.
	k, err := SSH{Agent: pub}.open(func(n string) (string, bool) { return sock, n == envSSHAuthSock }, "")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(sums)
	a, _ := k.sign(data)
	b, _ := k.sign(data)
	k.close()
	if bytes.Equal(a, b) {
		t.Log("the agent's two ECDSA signatures are equal")
	}
	// A forced re-release (the key's fingerprint instead of the key: the
	// same key, another setting) keeps the published signature.
	fp := strings.TrimSpace(testmod.Run(t, "", "ssh-keygen", "-l", "-E", "sha256", "-f", key+".pub"))
	fp = strings.Fields(fp)[1]
	var log bytes.Buffer
	_, err = (staticbuild.Config{Dir: dir, Log: &log, Environ: e,
		Steps: []staticbuild.Step{Step(SSH{Agent: fp})}}).Release(context.Background())
	if err != nil || strings.Contains(log.String(), "nothing changed") {
		t.Fatalf("the re-release: %v\n%s", err, log.String())
	}
	if again, _ := os.ReadFile(sums + ".sig"); !bytes.Equal(again, first) {
		t.Error("the re-release wrote another signature")
	}
	// An agent without the key.
	empty := startAgent(t, other)
	fresh := testmod.New(t, "", "app", files, "v1.0.0")
	_, err = (staticbuild.Config{Dir: fresh, Log: io.Discard, Steps: steps(""), Environ: env(envSSHAuthSock + "=" + empty)}).Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "has no key "+fp) || !strings.Contains(err.Error(), "ssh-add") {
		t.Errorf("an agent without the key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(fresh, "dist")); err == nil {
		t.Error("the failed release wrote dist/")
	}
}

// TestCheckFailsBeforeBuilding gives the step keys it cannot use: each
// failure names the setting and the fix, no passphrase appears, and
// dist/ is not written.
func TestCheckFailsBeforeBuilding(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs in the full suite")
	}
	need(t, "ssh-keygen", "openssl")
	t.Parallel()
	key, _ := newSSHKey(t, "ed25519", passphrase)
	ckey, _ := cosignKey(t)
	block, _ := pem.Decode([]byte(readFile(filepath.Dir(ckey), "cosign.key")))
	enc, err := sigbundle.Encrypt(block.Bytes, []byte(passphrase), make([]byte, 32), [24]byte{7})
	if err != nil {
		t.Fatal(err)
	}
	encFile := filepath.Join(t.TempDir(), "cosign.key")
	os.WriteFile(encFile, enc, 0o600)
	dir := testmod.New(t, "", "app", files, "v1.0.0")
	for _, c := range []struct {
		name   string
		signer Signer
		env    []string
		want   []string
	}{
		{"no ssh key", SSH{}, nil, []string{"SSH: no key", "SSH.Key", envSSHKey}},
		{"missing file", SSH{Key: "keys/release"}, nil, []string{"SSH.Key " + filepath.Join(dir, "keys/release"), "no such file", "ssh-keygen -t ed25519"}},
		{"encrypted", SSH{Key: key}, nil, []string{"is encrypted", envSSHPassphrase}},
		{"wrong passphrase", SSH{Key: key}, []string{envSSHPassphrase + "=" + passphrase + "x"}, []string{"does not open it"}},
		{"public key", SSH{Key: key + ".pub"}, nil, []string{"not an SSH private key", ".pub"}},
		{"agent unset", SSH{Agent: "SHA256:x"}, nil, []string{"SSH_AUTH_SOCK is not"}},
		{"no cosign key", Sigstore{}, nil, []string{"Sigstore: no key", envCosignKey}},
		{"cosign encrypted", Sigstore{Key: encFile}, nil, []string{"is encrypted", envCosignPassword}},
		{"cosign wrong password", Sigstore{Key: encFile}, []string{envCosignPassword + "=" + passphrase + "x"}, []string{"does not open it"}},
		{"cosign from env, encrypted", Sigstore{}, []string{envCosignKey + "=" + string(enc)}, []string{envCosignKey + " (the key itself) is encrypted"}},
	} {
		var log bytes.Buffer
		_, err := (staticbuild.Config{Dir: dir, Log: &log, Steps: []staticbuild.Step{Step(c.signer)}, Environ: env(c.env...)}).Release(context.Background())
		if err == nil {
			t.Errorf("%s: the release passed", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want it to say %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error()+log.String(), passphrase) || strings.Contains(err.Error()+log.String(), "PRIVATE KEY") {
			t.Errorf("%s: the error or the log holds a secret: %v", c.name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
			t.Fatalf("%s: the failed release wrote dist/", c.name)
		}
	}
	// The encrypted cosign key opens with its password from the environment.
	if _, err := (Sigstore{Key: encFile}).open(func(n string) (string, bool) { return passphrase, n == envCosignPassword }, ""); err != nil {
		t.Error(err)
	}
}

// TestShards releases in two shards that have no key and merges them with
// the key from the environment: the shards sign nothing, the merge signs,
// and its files are the single release's, signatures included.
func TestShards(t *testing.T) {
	if testing.Short() {
		t.Skip("three releases")
	}
	need(t, "ssh-keygen", "openssl")
	t.Parallel()
	key, pub := newSSHKey(t, "ed25519", "")
	ckey, cpub := cosignKey(t)
	keyData := readFile(filepath.Dir(key), filepath.Base(key))
	steps := []staticbuild.Step{Step(SSH{Identity: "ci"}, Sigstore{})}
	secrets := []string{envSSHKey + "=" + keyData, envCosignKey + "=" + ckey}
	origin := testmod.New(t, "", "app", files, "v1.0.0")
	clone := func() string {
		dst := filepath.Join(t.TempDir(), "app")
		testmod.Run(t, filepath.Dir(dst), "git", "clone", "-q", origin, dst)
		return dst
	}
	single := clone()
	if _, err := (staticbuild.Config{Dir: single, Log: io.Discard, Steps: steps, Environ: env(secrets...)}).Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	shards := filepath.Join(t.TempDir(), "shards")
	for i, s := range []string{"1/2", "2/2"} {
		dir := clone()
		if _, err := (staticbuild.Config{Dir: dir, Log: io.Discard, Steps: steps, Environ: env("MAGESTATIC_SHARD" + "=" + s)}).Release(context.Background()); err != nil {
			t.Fatalf("shard %s without a key: %v", s, err)
		}
		for name := range testmod.Tree(t, filepath.Join(dir, "dist")) {
			if strings.HasSuffix(name, ".sig") || strings.HasSuffix(name, ".sigstore.json") {
				t.Errorf("shard %s wrote %s", s, name)
			}
		}
		os.CopyFS(filepath.Join(shards, "shard-"+string(rune('1'+i))), os.DirFS(filepath.Join(dir, "dist")))
	}
	merged := clone()
	var log bytes.Buffer
	if _, err := (staticbuild.Config{Dir: merged, Log: &log, Steps: steps, MergeFrom: shards, Environ: env(secrets...)}).Merge(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	sums := filepath.Join(merged, "dist", "SHA256SUMS")
	if out, err := sshVerify(t, pub, "ci", "file", sums, sums+".sig"); err != nil {
		t.Errorf("ssh-keygen -Y verify of the merged release: %v\n%s", err, out)
	}
	if err := checkBundle(t, sums+".sigstore.json", sums, cpub); err != nil {
		t.Error(err)
	}
	want, got := testmod.Tree(t, filepath.Join(single, "dist")), testmod.Tree(t, filepath.Join(merged, "dist"))
	if _, ok := got["SHA256SUMS.sig"]; !ok {
		t.Fatal("the merge wrote no SHA256SUMS.sig")
	}
	for name, data := range want {
		if got[name] != data {
			t.Errorf("%s differs between the single release and the merged one", name)
		}
	}
	if strings.Contains(log.String(), "PRIVATE KEY") {
		t.Error("the merge's log holds the key")
	}
}

// TestOwnDependencies checks that a magefile that does not import sign
// compiles none of its dependencies: package staticbuild and the engine
// import neither x/crypto's ssh nor the signature formats.
func TestOwnDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/magestatic/magestatic/staticbuild", "github.com/magestatic/magestatic/staticbuild/images").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "golang.org/x/crypto/ssh") || strings.HasPrefix(dep, "golang.org/x/crypto/nacl") || strings.HasSuffix(dep, "/internal/sshsig") || strings.HasSuffix(dep, "/internal/sigbundle") || strings.HasSuffix(dep, "/staticbuild/sign") {
			t.Errorf("package staticbuild depends on %s", dep)
		}
	}
}

// BenchmarkOpen measures loading each kind of key, which the step does
// twice (in Check and in Run), and signing a checksum file with it.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	message := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  app_1.0.0_linux_amd64.tar.gz\n"), 13)
	mk := func(args ...string) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Skipf("%s: %v\n%s", args[0], err, out)
		}
	}
	mk("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "plain")
	mk("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", "encrypted")
	mk("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", "ecdsa")
	mk("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", "", "-f", "rsa")
	mk("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "cosign.pem")
	block, _ := pem.Decode([]byte(readFile(dir, "cosign.pem")))
	enc, _ := sigbundle.Encrypt(block.Bytes, []byte(passphrase), make([]byte, 32), [24]byte{})
	os.WriteFile(filepath.Join(dir, "cosign.key"), enc, 0o600)
	env := func(n string) (string, bool) {
		switch n {
		case envSSHPassphrase, envCosignPassword:
			return passphrase, true
		}
		return "", false
	}
	for _, c := range []struct {
		name string
		s    Signer
	}{
		{"ssh-ed25519", SSH{Key: "plain"}}, {"ssh-ed25519-encrypted", SSH{Key: "encrypted"}},
		{"ssh-ecdsa", SSH{Key: "ecdsa"}}, {"ssh-rsa-3072", SSH{Key: "rsa"}},
		{"sigstore-pkcs8", Sigstore{Key: "cosign.pem"}}, {"sigstore-cosign-encrypted", Sigstore{Key: "cosign.key"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				k, err := c.s.open(env, dir)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := k.sign(message); err != nil {
					b.Fatal(err)
				}
				k.close()
			}
		})
	}
}
