// Command staticverify checks that Go executables link no library their
// platform may lack, reading the files without running them.
//
// Usage:
//
//	staticverify [flags] FILE...
//
// It judges ELF (linux, the BSDs, solaris, illumos, android), Mach-O
// (darwin) and PE (windows) files alike, whatever the host. With no policy
// flag a file is judged by what it is: it must load no library its platform
// may lack, for the cgo mode its build information records, and that
// information must agree with the file. The report names the cgo mode found:
// off (CGO_ENABLED=0), or for a cgo build its linkage, static, static-pie or
// dynamic. The policy flags make the check stricter:
//
//	-platform OS/ARCH the platform the files were built for
//	-cgo              cgo was asked for (CGO_ENABLED=1); -cgo=false asks
//	                  for a pure-Go build (CGO_ENABLED=0)
//	-buildmode MODE   the expected -buildmode (default: exe or pie)
//	-trimpath         the build must have used -trimpath
//	-tags a,b         build tags that must be recorded
//	-release          fail a build from a modified tree (vcs.modified=true)
//	-X var=value      a -ldflags -X value that must have landed (repeatable):
//	                  with symbols, the variable's own value is read; in a
//	                  stripped file (-s), which variable holds a value
//	                  cannot be read, and a note says so
//	-allow LIB        a further library the files may load (repeatable)
//	-json             print one JSON array of reports
//
// The exit status is 0 when every file passes, 1 when any fails, and 2 on a
// usage error or a file that cannot be read as an executable.
//
// In CI without mage, run it as a tool of the module, which keeps the exit
// status (go run reports every failure as 1):
//
//	go get -tool github.com/magestatic/magestatic/verify/cmd/staticverify
//	go tool staticverify -json dist/*
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/magestatic/magestatic/verify"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// result is one element of the -json output: a report, or for a file that
// could not be read, the error and a report with only the path.
type result struct {
	*verify.Report
	Error string `json:"error,omitempty"`
}

// run runs the command with the given arguments and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("staticverify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: staticverify [-json] [-platform os/arch] [-cgo[=false]] [-buildmode mode] [-trimpath] [-tags a,b] [-release] [-X var=value]... [-allow lib]... FILE...")
		fs.PrintDefaults()
	}
	var (
		p         verify.Policy
		jsonOut   = fs.Bool("json", false, "print one JSON array of reports")
		platform  = fs.String("platform", "", "the `os/arch` the files were built for (default: what each file records)")
		tags      = fs.String("tags", "", "comma-separated build `tags` that must be recorded")
		stamped   = stampFlag{}
		allowLibs = listFlag{}
	)
	fs.Var(cgoFlag{&p}, "cgo", "cgo was asked for (CGO_ENABLED=1); -cgo=false asks for a pure-Go build (CGO_ENABLED=0)")
	fs.StringVar(&p.BuildMode, "buildmode", "", "the expected -buildmode `mode` (default: exe or pie)")
	fs.BoolVar(&p.Trimpath, "trimpath", false, "the build must have used -trimpath")
	fs.BoolVar(&p.Release, "release", false, "fail a build from a tree with uncommitted changes")
	fs.Var(stamped, "X", "a -ldflags -X `var=value` that must have landed (repeatable)")
	fs.Var(&allowLibs, "allow", "a further `library` the files may load (repeatable)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *platform != "" {
		goos, goarch, ok := strings.Cut(*platform, "/")
		if !ok || goos == "" || goarch == "" || strings.Contains(goarch, "/") {
			fmt.Fprintf(stderr, "staticverify: -platform %q is not os/arch, such as linux/amd64\n", *platform)
			return 2
		}
		p.GOOS, p.GOARCH = goos, goarch
	}
	if *tags != "" {
		p.RequireTags = strings.Split(*tags, ",")
	}
	p.Stamped = stamped
	p.AllowLibraries = allowLibs

	status := 0
	results := make([]result, 0, fs.NArg())
	for _, path := range fs.Args() {
		r, err := verify.Check(path, p)
		if err != nil {
			status = 2
			results = append(results, result{
				Report: &verify.Report{Path: path, Libraries: []string{}, Problems: []string{err.Error()}},
				Error:  err.Error(),
			})
			if !*jsonOut {
				fmt.Fprintf(stderr, "staticverify: %v\n", err)
			}
			continue
		}
		if !r.OK && status == 0 {
			status = 1
		}
		results = append(results, result{Report: r})
		if !*jsonOut {
			fmt.Fprintln(stdout, r)
		}
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			fmt.Fprintf(stderr, "staticverify: %v\n", err)
			return 2
		}
	}
	return status
}

// stampFlag collects -X var=value flags.
type stampFlag map[string]string

func (s stampFlag) String() string { return "" }

func (s stampFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return errors.New("want var=value, such as main.version=v1.2.3")
	}
	s[name] = value
	return nil
}

// cgoFlag sets Policy.Cgo for -cgo, and Policy.PureGo for -cgo=false.
type cgoFlag struct{ p *verify.Policy }

func (f cgoFlag) IsBoolFlag() bool { return true }

func (f cgoFlag) String() string {
	switch {
	case f.p == nil:
	case f.p.Cgo:
		return "true"
	case f.p.PureGo:
		return "false"
	}
	return ""
}

func (f cgoFlag) Set(v string) error {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("want -cgo (cgo was asked for) or -cgo=false (pure Go)")
	}
	f.p.Cgo, f.p.PureGo = on, !on
	return nil
}

// listFlag collects the values of a repeatable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}
