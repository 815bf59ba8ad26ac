package staticbuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magestatic/magestatic/staticbuild/internal/testmod"
)

func TestBadConfigFailsBeforeBuilding(t *testing.T) {
	t.Parallel()
	dir := testmod.New(t, "", "cfg", map[string]string{
		"main.go":           testmod.Hello,
		"tools/two/main.go": "package main\n\nfunc main() {}\n",
		"lib/lib.go":        "package lib\n",
		"plug/main.go":      "package main\n\nimport _ \"example.com/cfg/plug/loader\"\n\nfunc main() {}\n",
		"plug/loader/l.go":  "package loader\n\nimport _ \"plugin\"\n",
		"src/x.go":          "package src\n",
	}, "")
	for _, tc := range []struct {
		name string
		cfg  Config
		env  []string
		want []string
	}{
		{"unknown platform", Config{Main: ".", Platforms: []string{"linux/amd46", "linux/arm64"}},
			nil, []string{`unknown platform "linux/amd46"`, "did you mean linux/amd64"}},
		{"duplicate platform", Config{Main: ".", Platforms: []string{"linux/amd64", "linux/amd64"}},
			nil, []string{"Config.Platforms", `"linux/amd64" is listed twice`}},
		{"bad variant", Config{Main: ".", Platforms: []string{"linux/arm/9"}},
			nil, []string{"Config.Platforms", "GOARM must be one of"}},
		{"env platforms", Config{Main: "."}, []string{envPlatforms + "=linux/amd64,plan9/risc"},
			[]string{`unknown platform "plan9/risc"`}},
		{"env platforms empty entry", Config{Main: "."}, []string{envPlatforms + "=linux/amd64,,linux/arm64"},
			[]string{envPlatforms, "entry 2 is empty"}},
		{"env platforms spaces", Config{Main: "."}, []string{envPlatforms + "=linux/amd64, linux/arm64"},
			[]string{envPlatforms, `" linux/arm64" has spaces`}},
		{"env jobs", Config{Main: "."}, []string{envJobs + "=lots"}, []string{envJobs, "whole number"}},
		{"two mains", Config{}, nil, []string{"main packages", "example.com/cfg/tools/two", "none under cmd/", `{Main: "./tools/two"}`}},
		{"not main", Config{Main: "./lib"}, nil, []string{"./lib is not a main package"}},
		{"missing main", Config{Main: "./nope"}, nil, []string{"Config.Main", "./nope"}},
		{"same output", Config{Main: ".", Output: "{{.Name}}/{{.Name}}{{.Ext}}", Platforms: []string{"linux/amd64", "linux/arm64"}},
			nil, []string{"Config.Output maps both cfg linux/amd64 and cfg linux/arm64 to cfg/cfg"}},
		{"output escapes", Config{Main: ".", Output: "../{{.Name}}"}, nil, []string{"Config.Output", "inside the output directory"}},
		{"output field", Config{Main: ".", Output: "{{.Nmae}}"}, nil, []string{"Config.Output", "does not exist", ".Name, .Project, .OS"}},
		{"archive field", Config{Main: ".", Archive: Archive{Name: "{{.Name}}-{{.Vers}}"}}, nil, []string{"Config.Archive.Name", "does not exist", ".Version"}},
		{"dist is project", Config{Main: ".", Dist: "."}, nil, []string{"Config.Dist", "not the project itself or outside it"}},
		{"dist outside", Config{Main: ".", Dist: "../out"}, nil, []string{"Config.Dist"}},
		{"dist holds source", Config{Main: ".", Dist: "src"}, nil, []string{`Config.Dist "src"`, "holds source (x.go)"}},
		{"bad cgo", Config{Main: ".", Cgo: "sometimes"}, nil, []string{`Config.Cgo: "sometimes"`}},
		{"bad name", Config{Main: ".", Name: "a/b"}, nil, []string{`Config.Name "a/b"`}},
		{"bad platform key", Config{Main: ".", Platform: map[string]PlatformConfig{"linux/arm/8": {}}}, nil, []string{`Config.Platform["linux/arm/8"]`}},
		{"platform key case", Config{Main: ".", Platform: map[string]PlatformConfig{"Linux": {}, "linxu": {}}}, nil,
			[]string{`Config.Platform["Linux"]: matches no platform`, `Config.Platform["linxu"]: matches no platform`}},
		{"platform key not in matrix", Config{Main: ".", Platforms: []string{"linux/amd64"}, Platform: map[string]PlatformConfig{"windows": {}}}, nil,
			[]string{`Config.Platform["windows"]: matches no platform`}},
		{"size budget", Config{Main: ".", Size: Size{Budget: "50 parsecs"}}, nil, []string{"Config.Size", `"50 parsecs"`}},
		{"zero budget", Config{Main: ".", Size: Size{Budget: "0MB"}}, nil, []string{"Config.Size", `"0MB"`, "zero"}},
		{"growth limit", Config{Main: ".", Size: Size{MaxGrowth: "5 percent"}}, nil, []string{"Config.Size", `MaxGrowth "5 percent"`}},
		{"bare growth", Config{Main: ".", Size: Size{MaxGrowth: "10"}}, nil, []string{"Config.Size", `"10%"`, `"10B"`}},
		{"platform budget", Config{Main: ".", Platforms: []string{"linux/amd64", "windows/arm64"}, Platform: map[string]PlatformConfig{"windows": {Budget: "big"}}},
			nil, []string{`Config.Platform["windows"].Budget`, `"big"`}},
		{"archive format", Config{Main: ".", Archive: Archive{Formats: map[string]string{"linux": "rar"}}}, nil, []string{`Config.Archive.Formats["linux"]`, `"rar"`}},
		{"ldflags", Config{Main: ".", Ldflags: []string{"-X", `main.x=it's "so"`}}, nil, []string{"Config.Ldflags", "both single and double quotes"}},
		{"platform ldflags", Config{Main: ".", Platform: map[string]PlatformConfig{"windows": {Ldflags: []string{`-extldflags=-a 'b' "c"`}}}},
			nil, []string{`Config.Platform["windows"].Ldflags`, "both single and double quotes"}},
		{"env overrides", Config{Main: ".", Env: []string{"GOOS=darwin", "GOARM=6", "CGO_ENABLED=1", "GOFLAGS=-x", "NOEQUALS", "=x"}}, nil,
			[]string{`"GOOS=darwin": magestatic sets GOOS`, `"GOARM=6"`, `"CGO_ENABLED=1"`, `"GOFLAGS=-x"`, `"NOEQUALS": want KEY=value`, `"=x": want KEY=value`}},
		{"own flags", Config{Main: ".", Flags: []string{"-o", "foo", "-ldflags=-s", "-gcflags=-N", "-tags=x", "-trimpath", "-buildmode=pie"}}, nil,
			[]string{`"-o": go build's -o`, `"foo" is not a flag`, `"-ldflags=-s"`, "use Ldflags", `"-gcflags=-N"`, "use Gcflags", `"-tags=x"`, `"-trimpath"`, `"-buildmode=pie"`}},
		{"binaries and main", Config{Main: ".", Binaries: []Binary{{Main: "./tools/two"}}}, nil, []string{"Config.Main", "Config.Binaries are both set"}},
		{"binary without main", Config{Binaries: []Binary{{Name: "x"}}}, nil, []string{"Config.Binaries[0]: Main is empty"}},
		{"binary names", Config{Binaries: []Binary{{Name: "x", Main: "."}, {Name: "x", Main: "./tools/two"}}}, nil, []string{`Config.Binaries[1].Name "x"`, "same name"}},
		{"binary platform", Config{Platforms: []string{"linux/amd64"}, Binaries: []Binary{{Main: ".", Platforms: []string{"darwin/arm64"}}}}, nil,
			[]string{"Config.Binaries[0].Platforms: darwin/arm64 is not in the matrix"}},
		{"same binary name", Config{Binaries: []Binary{{Main: "./plug"}, {Main: "./tools/two", Name: "plug"}}}, nil, []string{`both make a binary named "plug"`}},
		{"step", Config{Main: ".", Steps: []Step{{Name: "sign", After: "signing", Run: func(context.Context, *Run) error { return nil }}, {Name: "x"}}}, nil,
			[]string{`Config.Steps[0] (sign): After "signing"`, "Config.Steps[1] (x): Run is nil"}},
		{"plugin", Config{Main: "./plug"}, nil, []string{"imports package plugin", "imported by example.com/cfg/plug/loader", "plugin: not implemented"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			tc.cfg.Dir, tc.cfg.Log, tc.cfg.Environ = dir, &log, testEnv(tc.env...)
			_, err := runCross(context.Background(), tc.cfg)
			if err == nil {
				t.Fatal("Cross accepted the configuration")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if log.Len() != 0 {
				t.Errorf("something was built or logged:\n%s", log.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
				t.Error("dist/ was created")
			}
		})
	}
}
