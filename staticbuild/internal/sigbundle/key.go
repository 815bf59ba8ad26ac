package sigbundle

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// ErrNoPassword is what ParsePrivateKey returns for an encrypted key when
// it is given no password.
var ErrNoPassword = errors.New("the key is encrypted and no password was given")

// ErrWrongPassword is what ParsePrivateKey returns when the password does
// not open the key.
var ErrWrongPassword = errors.New("the password does not open the key")

// encrypted is the body of cosign's encrypted key (secure-systems-lab's
// "encrypted" format): the PKCS #8 key, sealed with nacl/secretbox under
// a key that scrypt derives from the password.
type encrypted struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// ParsePrivateKey reads an ECDSA P-256 private key in PEM: PKCS #8
// ("PRIVATE KEY", as openssl genpkey writes), SEC 1 ("EC PRIVATE KEY") or
// cosign's encrypted key ("ENCRYPTED SIGSTORE PRIVATE KEY" or the older
// "ENCRYPTED COSIGN PRIVATE KEY", as cosign generate-key-pair writes),
// which password opens.
func ParsePrivateKey(data []byte, password []byte, hasPassword bool) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block: want a private key in PEM, such as cosign generate-key-pair or openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 writes")
	}
	der := block.Bytes
	var key any
	var err error
	switch block.Type {
	case "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY":
		if !hasPassword {
			return nil, ErrNoPassword
		}
		if der, err = decrypt(der, password); err != nil {
			return nil, err
		}
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("an encrypted PKCS #8 key (openssl's) is not supported: use cosign's encrypted key (cosign import-key-pair) or an unencrypted one")
	default:
		return nil, fmt.Errorf("a PEM block of type %q, not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the private key: %w", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("a %T key: want ECDSA P-256, the kind cosign generate-key-pair makes", key)
	}
	return ec, nil
}

// decrypt opens cosign's encrypted key.
func decrypt(data, password []byte) ([]byte, error) {
	var e encrypted
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("reading the encrypted key: %w", err)
	}
	p := e.KDF.Params
	switch {
	case e.KDF.Name != "scrypt" || e.Cipher.Name != "nacl/secretbox":
		return nil, fmt.Errorf("the encrypted key uses %q and %q, not scrypt and nacl/secretbox", e.KDF.Name, e.Cipher.Name)
	case p.R != 8 || p.P != 1 || (p.N != 1<<15 && p.N != 1<<16 && p.N != 1<<17):
		// The three settings cosign's library writes; no other, so that a
		// hostile file cannot make scrypt take all the memory.
		return nil, fmt.Errorf("the encrypted key's scrypt parameters N=%d r=%d p=%d are not ones cosign writes", p.N, p.R, p.P)
	case len(e.Cipher.Nonce) != 24:
		return nil, fmt.Errorf("the encrypted key's nonce has %d bytes, not 24", len(e.Cipher.Nonce))
	}
	k, err := scrypt.Key(password, e.KDF.Salt, p.N, p.R, p.P, 32)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	var nonce [24]byte
	copy(key[:], k)
	copy(nonce[:], e.Cipher.Nonce)
	out, ok := secretbox.Open(nil, e.Ciphertext, &nonce, &key)
	if !ok {
		return nil, ErrWrongPassword
	}
	return out, nil
}

// Encrypt seals a PKCS #8 key the way cosign does, with the given salt
// and nonce, as the PEM block cosign generate-key-pair writes. It is for
// tests and for making a key without cosign.
func Encrypt(pkcs8, password, salt []byte, nonce [24]byte) ([]byte, error) {
	var e encrypted
	e.KDF.Name, e.KDF.Params.N, e.KDF.Params.R, e.KDF.Params.P, e.KDF.Salt = "scrypt", 1<<16, 8, 1, salt
	e.Cipher.Name, e.Cipher.Nonce = "nacl/secretbox", nonce[:]
	k, err := scrypt.Key(password, salt, e.KDF.Params.N, 8, 1, 32)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	copy(key[:], k)
	e.Ciphertext = secretbox.Seal(nil, pkcs8, &nonce, &key)
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: body}), nil
}
