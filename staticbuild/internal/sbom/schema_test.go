package sbom

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// validateScript validates the JSON document on standard input against the
// CycloneDX schema file argv[1], resolving the schema's references to the
// files beside it, with jsonschema 4.10 (Debian 12) or later.
const validateScript = `
import json, os, sys
import jsonschema
path = sys.argv[1]
schema = json.load(open(path))
doc = json.load(sys.stdin)
cls = jsonschema.validators.validator_for(schema)
try:
    from referencing import Registry, Resource
    reg = Registry()
    d = os.path.dirname(path)
    for name in ("spdx.schema.json", "jsf-0.82.schemax.json"):
        reg = reg.with_resource(name, Resource.from_contents(json.load(open(os.path.join(d, name)))))
    v = cls(schema, registry=reg)
except ImportError:
    v = cls(schema, resolver=jsonschema.RefResolver(base_uri="file://" + os.path.abspath(path), referrer=schema))
errs = sorted(v.iter_errors(doc), key=lambda e: list(map(str, e.path)))
for e in errs:
    print("/".join(map(str, e.path)) + ": " + e.message)
sys.exit(1 if errs else 0)
`

// python returns a python3 that can import jsonschema. Without one the
// test fails when the CI environment variable is set and is skipped
// otherwise.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if err := exec.Command(p, "-c", "import jsonschema").Run(); err == nil {
			return p
		}
	}
	msg := "no python3 with jsonschema (apt-get install python3-jsonschema)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " is required in CI")
	}
	t.Skip(msg)
	return ""
}

// schemaFile returns the CycloneDX 1.6 JSON schema that the cyclonedx-go
// module ships.
func schemaFile(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/CycloneDX/cyclonedx-go: %v", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "schema", "bom-1.6.schema.json")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func validate(t *testing.T, py, schema string, doc []byte) (string, error) {
	cmd := exec.Command(py, "-c", validateScript, schema)
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestFromBinaryMatchesCycloneDXSchema(t *testing.T) {
	py := python(t)
	schema := schemaFile(t)
	doc := fromBinary(t, depApp(t), options())
	if out, err := validate(t, py, schema, doc); err != nil {
		t.Fatalf("SBOM does not validate against %s: %v\n%s", schema, err, out)
	}

	// The validator does reject an invalid document.
	bad := bytes.Replace(doc, []byte(`"type": "library"`), []byte(`"type": "librar"`), 1)
	if out, err := validate(t, py, schema, bad); err == nil {
		t.Fatalf("a component of type \"librar\" validates:\n%s", out)
	}
}
