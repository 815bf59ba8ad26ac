// Command big is a program of 10 MB and more, made of much of the standard
// library, for the benchmark of package pkgsize.
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/bzip2"
	"compress/gzip"
	"compress/lzw"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/mlkem"
	"crypto/rsa"
	"crypto/sha3"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"encoding/ascii85"
	"encoding/asn1"
	"encoding/base32"
	"encoding/csv"
	"encoding/gob"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"expvar"
	"fmt"
	"go/ast"
	"go/doc"
	"go/format"
	"go/importer"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	htmltemplate "html/template"
	"image/gif"
	"image/jpeg"
	"image/png"
	"log/slog"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httputil"
	"net/mail"
	"net/rpc"
	"net/smtp"
	"os"
	"regexp"
	"text/template"
)

// uses keeps the functions alive through the linker's dead code
// elimination.
var uses = []any{
	tar.NewReader, zip.NewReader, bzip2.NewReader, gzip.NewReader, lzw.NewReader, zlib.NewReader,
	ecdsa.GenerateKey, ed25519.GenerateKey, hmac.New, mlkem.GenerateKey768, rsa.GenerateKey,
	sha3.New256, tls.Dial, tls.Listen, x509.ParseCertificate, x509.CreateCertificate,
	sql.Open, dwarf.New, elf.Open, gosym.NewTable, macho.Open, pe.Open,
	ascii85.NewEncoder, asn1.Marshal, base32.NewEncoding, csv.NewReader, gob.NewEncoder, gob.NewDecoder,
	json.Marshal, json.Unmarshal, pem.Decode, xml.Marshal, xml.Unmarshal, expvar.Publish,
	ast.Print, doc.New, format.Source, importer.Default, parser.ParseFile, printer.Fprint, token.NewFileSet,
	types.NewPackage, (*types.Config).Check, htmltemplate.New, template.New,
	gif.Decode, jpeg.Decode, jpeg.Encode, png.Decode, png.Encode,
	slog.New, big.NewInt, multipart.NewReader, http.ListenAndServe, http.Get, httputil.DumpRequest,
	mail.ReadMessage, rpc.Dial, smtp.SendMail, regexp.MustCompile,
}

func main() {
	fmt.Println(len(uses), len(os.Args))
}
