package gosrc

import "testing"

// TestHeader reads what the go command reads of a file to list its
// package: a Go file up to its imports and its //go:embed lines, all of a
// Go file that does not parse.
func TestHeader(t *testing.T) {
	src := "//go:build linux\n\n// Package main says hello.\npackage main\n\nimport (\n\t\"fmt\"\n)\n\nfunc main() { fmt.Println(\"hello\") }\n"
	head := "//go:build linux\n\n// Package main says hello.\npackage main\n\nimport (\n\t\"fmt\"\n)"
	for _, tc := range []struct{ name, data, want string }{
		{"main.go", src, head},
		{"main.go", "package main\n\nfunc main() {}\n", "package main"},
		{"main.go", "package main\n\nimport \"C\"\nimport \"os\"\n\nvar _ = os.Args\n", "package main\n\nimport \"C\"\nimport \"os\""},
		{"embed.go", "package main\n\nimport _ \"embed\"\n\n//go:embed x.txt\nvar x string\n\n\t//go:embed y/*\nvar y embed.FS\n", "package main\n\nimport _ \"embed\"//go:embed x.txt\n\t//go:embed y/*\n"},
		{"broken.go", "package main\nimport (\n", "package main\nimport (\n"},
		{"x.s", "TEXT ·f(SB),0,$0\n", "TEXT ·f(SB),0,$0\n"},
	} {
		if got := string(Header(tc.name, []byte(tc.data))); got != tc.want {
			t.Errorf("Header(%s, %q) = %q, want %q", tc.name, tc.data, got, tc.want)
		}
	}
}
