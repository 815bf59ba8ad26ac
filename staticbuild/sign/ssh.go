package sign

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/sshsig"
)

// SSH signs with an SSH key, in the format of ssh-keygen -Y sign (SHA-512,
// namespace "file" by default), as SHA256SUMS.sig, which a user checks
// with
//
//	ssh-keygen -Y verify -f allowed_signers -I IDENTITY -n file -s SHA256SUMS.sig < SHA256SUMS
//
// where allowed_signers holds the line "IDENTITY PUBLIC-KEY". The key is
// an ed25519, ECDSA or RSA key, from a file or from ssh-agent.
type SSH struct {
	// Key is the private key's file in OpenSSH's format (ssh-keygen -t
	// ed25519 writes one), relative to the project; an encrypted key's
	// passphrase is read from MAGESTATIC_SSH_PASSPHRASE.
	// MAGESTATIC_SSH_KEY replaces it: the key's file, or the key itself.
	Key string `json:",omitempty"`
	// Agent, instead of Key, signs with the key of the ssh-agent at
	// SSH_AUTH_SOCK that has this public key ("ssh-ed25519 AAAA...") or
	// fingerprint ("SHA256:..."). MAGESTATIC_SSH_AGENT_KEY replaces it.
	Agent string `json:",omitempty"`
	// Identity is the signer's name in allowed_signers, such as an e-mail
	// address; the release's log gives the line to publish. Default:
	// "release".
	Identity string `json:",omitempty"`
	// Namespace is the signature's namespace. Default: "file".
	Namespace string `json:",omitempty"`
	// All also signs every archive, SBOM and file the checksum file
	// lists, each as FILE.sig.
	All bool `json:",omitempty"`
}

func (SSH) kind() string { return "ssh" }

// sshKey is a loaded SSH key: a signer of its own or an agent's key.
type sshKey struct {
	cfg    SSH
	pub    ssh.PublicKey
	signFn func(data []byte) (*ssh.Signature, error)
	conn   net.Conn
}

func (s SSH) open(env func(string) (string, bool), dir string) (key, error) {
	s.Namespace = cmp.Or(s.Namespace, "file")
	s.Identity = cmp.Or(s.Identity, "release")
	if v, ok := env(envSSHAgentKey); ok && v != "" {
		s.Agent = v
	}
	data, from, err := keySource(env, dir, envSSHKey, "SSH.Key", s.Key)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: create the key (ssh-keygen -t ed25519 -f FILE), or set %s or SSH.Agent", err, envSSHKey)
	case data != nil:
		return s.openFile(env, data, from)
	case s.Agent != "":
		return s.openAgent(env)
	}
	return nil, fmt.Errorf("SSH: no key: set SSH.Key to the private key's file, SSH.Agent to the public key of an ssh-agent's key, or %s to the key", envSSHKey)
}

// openFile reads a private key in OpenSSH's (or PEM) format.
func (s SSH) openFile(env func(string) (string, bool), data []byte, from string) (key, error) {
	raw, err := ssh.ParseRawPrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		pass, ok := env(envSSHPassphrase)
		if !ok || pass == "" {
			return nil, fmt.Errorf("%s is encrypted: set %s to its passphrase, or load it into ssh-agent (ssh-add) and set SSH.Agent", from, envSSHPassphrase)
		}
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(data, []byte(pass))
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("%s: the passphrase in %s does not open it", from, envSSHPassphrase)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not an SSH private key (%v): give the file ssh-keygen wrote, not the .pub", from, err)
	}
	signer, err := ssh.NewSignerFromKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	if err := checkType(signer.PublicKey(), from); err != nil {
		return nil, err
	}
	k := &sshKey{cfg: s, pub: signer.PublicKey()}
	k.signFn = func(data []byte) (*ssh.Signature, error) {
		// No randomness: ed25519 and RSA signatures are deterministic, and
		// Go's ECDSA is then too (RFC 6979).
		if as, ok := signer.(ssh.AlgorithmSigner); ok && k.pub.Type() == ssh.KeyAlgoRSA {
			return as.SignWithAlgorithm(nil, data, ssh.KeyAlgoRSASHA512)
		}
		return signer.Sign(nil, data)
	}
	return k, nil
}

// openAgent finds the key in the ssh-agent at SSH_AUTH_SOCK.
func (s SSH) openAgent(env func(string) (string, bool)) (key, error) {
	sock, _ := env(envSSHAuthSock)
	if sock == "" {
		return nil, fmt.Errorf("SSH.Agent is set, but %s is not: start ssh-agent (eval $(ssh-agent)) and ssh-add the key, or set SSH.Key", envSSHAuthSock)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("SSH.Agent: connecting to the ssh-agent at %s (%s): %w", envSSHAuthSock, sock, err)
	}
	client := agent.NewClient(conn)
	keys, err := client.List()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("SSH.Agent: listing the ssh-agent's keys: %w", err)
	}
	want := strings.TrimSpace(s.Agent)
	var wantKey ssh.PublicKey
	if !strings.HasPrefix(want, "SHA256:") {
		if wantKey, _, _, _, err = ssh.ParseAuthorizedKey([]byte(want)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("SSH.Agent %q: neither a public key (ssh-ed25519 AAAA...) nor a fingerprint (SHA256:...): %v", want, err)
		}
		want = ssh.FingerprintSHA256(wantKey)
	}
	var have []string
	for _, k := range keys {
		if fp := ssh.FingerprintSHA256(k); fp != want {
			have = append(have, fp)
			continue
		}
		pub, err := ssh.ParsePublicKey(k.Marshal())
		if err != nil {
			conn.Close()
			return nil, err
		}
		if err := checkType(pub, "SSH.Agent "+want); err != nil {
			conn.Close()
			return nil, err
		}
		var flags agent.SignatureFlags
		if pub.Type() == ssh.KeyAlgoRSA {
			flags = agent.SignatureFlagRsaSha512
		}
		return &sshKey{cfg: s, pub: pub, conn: conn, signFn: func(data []byte) (*ssh.Signature, error) {
			return client.SignWithFlags(pub, data, flags)
		}}, nil
	}
	conn.Close()
	return nil, fmt.Errorf("SSH.Agent: the ssh-agent at %s has no key %s (it has %s): ssh-add the key, or set SSH.Agent to one of these", sock, want, cmp.Or(strings.Join(have, ", "), "none"))
}

// checkType refuses the keys ssh-keygen -Y cannot verify here.
func checkType(pub ssh.PublicKey, from string) error {
	switch pub.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoRSA:
		return nil
	}
	return fmt.Errorf("%s: a %s key: want ed25519, ECDSA or RSA", from, pub.Type())
}

func (k *sshKey) id() string {
	return ssh.FingerprintSHA256(k.pub) + " (ssh, namespace " + k.cfg.Namespace + ")"
}
func (k *sshKey) suffix() string              { return ".sig" }
func (k *sshKey) artifactKind() artifact.Kind { return kindSignature }
func (k *sshKey) all() bool                   { return k.cfg.All }

func (k *sshKey) close() {
	if k.conn != nil {
		k.conn.Close()
	}
}

func (k *sshKey) sign(message []byte) ([]byte, error) {
	data, err := sshsig.SignedData(k.cfg.Namespace, sshsig.HashSHA512, message)
	if err != nil {
		return nil, err
	}
	sig, err := k.signFn(data)
	if err != nil {
		return nil, err
	}
	return sshsig.Armor(k.pub, k.cfg.Namespace, sshsig.HashSHA512, sig), nil
}

func (k *sshKey) verify(sig, message []byte) error {
	return sshsig.Verify(sig, message, k.pub, k.cfg.Namespace)
}

func (k *sshKey) note(file string) string {
	return fmt.Sprintf("allowed_signers line: %s %s; check: ssh-keygen -Y verify -f allowed_signers -I %s -n %s -s %s.sig < %s",
		k.cfg.Identity, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.pub))), k.cfg.Identity, k.cfg.Namespace, file, file)
}
