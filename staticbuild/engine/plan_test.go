package engine

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
	dir := testmod.New(t, "", "cfg", map[string]string{
		"main.go":         testmod.Hello,
		"cmd/two/main.go": "package main\n\nfunc main() {}\n",
		"lib/lib.go":      "package lib\n",
	}, "")
	for _, tc := range []struct {
		name string
		cfg  Config
		env  string
		want []string
	}{
		{"unknown platform", Config{Main: ".", Platforms: []string{"linux/amd46", "linux/arm64"}},
			"", []string{`unknown platform "linux/amd46"`, "did you mean linux/amd64"}},
		{"duplicate platform", Config{Main: ".", Platforms: []string{"linux/amd64", "linux/amd64"}},
			"", []string{"Config.Platforms", `"linux/amd64" is listed twice`}},
		{"bad variant", Config{Main: ".", Platforms: []string{"linux/arm/9"}},
			"", []string{"Config.Platforms", "GOARM must be one of"}},
		{"env platforms", Config{Main: "."}, "linux/amd64,plan9/risc",
			[]string{`unknown platform "plan9/risc"`}},
		{"two mains", Config{}, "", []string{"has 2 main packages", "example.com/cfg/cmd/two", "set Config.Main"}},
		{"not main", Config{Main: "./lib"}, "", []string{`Config.Main "./lib" is not a main package`}},
		{"missing main", Config{Main: "./nope"}, "", []string{`Config.Main "./nope"`}},
		{"same output", Config{Main: ".", Output: "{{.Name}}/{{.Name}}{{.Ext}}", Platforms: []string{"linux/amd64", "linux/arm64"}},
			"", []string{"Config.Output maps both linux/amd64 and linux/arm64 to cfg/cfg"}},
		{"output escapes", Config{Main: ".", Output: "../{{.Name}}"}, "", []string{"Config.Output", "inside the output directory"}},
		{"bad template", Config{Main: ".", Output: "{{.Nmae}}"}, "", []string{"Config.Output"}},
		{"dist is project", Config{Main: ".", Dist: "."}, "", []string{"Config.Dist", "not the project itself or outside it"}},
		{"dist outside", Config{Main: ".", Dist: "../out"}, "", []string{"Config.Dist"}},
		{"bad cgo", Config{Main: ".", Cgo: "sometimes"}, "", []string{`Config.Cgo "sometimes"`}},
		{"bad name", Config{Main: ".", Name: "a/b"}, "", []string{`Config.Name "a/b"`}},
		{"bad platform key", Config{Main: ".", Platform: map[string]PlatformConfig{"linux/arm/8": {}}}, "", []string{`Config.Platform["linux/arm/8"]`}},
		{"size budget", Config{Main: ".", Size: Size{Budget: "50 parsecs"}}, "", []string{"Config.Size", `"50 parsecs"`}},
		{"zero budget", Config{Main: ".", Size: Size{Budget: "0MB"}}, "", []string{"Config.Size", `budget "0MB" is zero`}},
		{"growth limit", Config{Main: ".", Size: Size{MaxGrowth: "5 percent"}}, "", []string{"Config.Size", `growth limit "5 percent"`}},
		{"platform budget", Config{Main: ".", Platforms: []string{"linux/amd64", "windows/arm64"}, Platform: map[string]PlatformConfig{"windows": {Budget: "big"}}},
			"", []string{"Config.Platform budget of windows/arm64", `"big"`}},
		{"archive format", Config{Main: ".", Archive: Archive{Formats: map[string]string{"linux": "rar"}}}, "", []string{`Config.Archive.Formats["linux"]`, `"rar"`}},
		{"ldflags", Config{Main: ".", Ldflags: []string{"-X", `main.x=it's "so"`}}, "", []string{"Config.Ldflags", "both single and double quotes"}},
		{"platform ldflags", Config{Main: ".", Platform: map[string]PlatformConfig{"windows": {Ldflags: []string{`-extldflags=-a 'b' "c"`}}}},
			"", []string{`Config.Platform["windows"].Ldflags`, "both single and double quotes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvPlatforms, tc.env)
			var log bytes.Buffer
			tc.cfg.Dir, tc.cfg.Log = dir, &log
			_, err := Cross(context.Background(), tc.cfg)
			if err == nil {
				t.Fatal("Cross accepted the configuration")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
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

func TestBadJobs(t *testing.T) {
	t.Setenv(EnvJobs, "lots")
	_, err := Cross(context.Background(), Config{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), EnvJobs) {
		t.Errorf("err = %v", err)
	}
}
