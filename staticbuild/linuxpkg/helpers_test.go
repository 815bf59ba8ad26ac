package linuxpkg

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

// postinst is the test package's post-install script: it records that it
// ran under the root dpkg installs into.
const postinst = `#!/bin/sh
set -e
mkdir -p "$DPKG_ROOT/var/lib/app"
echo "configured $1" > "$DPKG_ROOT/var/lib/app/postinst"
`

// project is the test project: two binaries, a unit, a configuration file,
// a document and a script.
var project = map[string]string{
	"cmd/app/main.go":            testmod.Hello,
	"cmd/tool/main.go":           testmod.Hello,
	"packaging/app.service":      "[Unit]\nDescription=App\n\n[Service]\nExecStart=/usr/bin/app\n\n[Install]\nWantedBy=multi-user.target\n",
	"packaging/app.conf":         "listen = :8080\n",
	"packaging/postinst.sh":      postinst,
	"packaging/README.packaging": "The app.\n",
}

// pkg is the test project's package.
func pkg() Package {
	return Package{
		Binaries:    []string{"app"},
		Maintainer:  "Acme Ops <ops@acme.example>",
		Description: "The app\nIt serves.",
		License:     "MIT",
		Homepage:    "https://acme.example/app",
		Vendor:      "Acme",
		Contents: []Content{
			{Source: "packaging/app.conf", Destination: "/etc/app/app.conf", Config: true},
			{Source: "packaging/README.packaging", Destination: "/usr/share/doc/app/README"},
		},
		Systemd: []string{"packaging/app.service"},
		Scripts: Scripts{PostInstall: "packaging/postinst.sh"},
		Depends: []string{"ca-certificates"},
	}
}

// env is the environment of a run: the matrix, no binary cache, and a
// build cache of its own when fresh is set.
func env(t *testing.T, fresh bool, extra ...string) []string {
	return testmod.Environ(t, fresh, append([]string{"MAGESTATIC_PLATFORMS" + "=linux/amd64,linux/arm64,windows/amd64", "MAGESTATIC_CACHE" + "=off"}, extra...)...)
}

// need skips the test when a tool is missing, and fails it in CI.
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (apt-get install dpkg rpm)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// run runs a command and returns its combined output, failing the test
// when it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// mustTime is the test repositories' commit time, the build time.
func mustTime(t *testing.T) time.Time {
	tm, err := time.Parse(time.RFC3339, testmod.Time)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
