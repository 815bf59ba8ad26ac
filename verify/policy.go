package verify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Policy says what a file must be. The zero Policy judges a file by what it
// is: that it loads nothing its platform may lack, for the cgo mode its
// build information records, and that its build information agrees with the
// file. Each field asks for more.
type Policy struct {
	// GOOS and GOARCH are the platform the file was built for; "" takes
	// it from the file and does not check it. GOARCH "all" asks for a
	// universal (fat) Mach-O file, whose every slice is judged by the
	// rest of the policy for its own architecture; a universal file is
	// judged that way under GOARCH "" too, and under any other GOARCH
	// every slice must be for that one.
	GOOS, GOARCH string

	// Cgo says cgo was asked for: CGO_ENABLED=1 is expected, and windows
	// binaries may import the C runtime (msvcrt.dll, ucrtbase.dll,
	// api-ms-win-crt-*.dll) and darwin binaries any library of the
	// operating system (/usr/lib, /System/Library).
	Cgo bool

	// PureGo says a pure-Go build was asked for: CGO_ENABLED=0 is
	// expected, and the file may load only what a pure-Go binary of its
	// platform loads. It is ignored when Cgo is set. With neither, a file
	// may have been built either way, and may load what its recorded
	// CGO_ENABLED allows.
	PureGo bool

	// RequireTags are build tags that must be recorded in the build
	// information, such as netgo and osusergo for a static cgo build.
	RequireTags []string

	// BuildMode is the expected -buildmode, such as "exe" or "pie" (a
	// static-pie is "pie"); "" accepts either of the two that make an
	// executable.
	BuildMode string

	// Trimpath asks for a build with -trimpath, which records no file
	// path of the build machine and so is reproducible.
	Trimpath bool

	// Release makes vcs.modified=true (a build from a tree with
	// uncommitted changes) a failure.
	Release bool

	// Stamped maps each variable set with -ldflags -X to its value, such
	// as "main.version" to "v1.2.3"; each value must have landed in the
	// binary. The linker ignores -X silently for a variable that does not
	// exist or is never used. A value is the bytes after the first "=" of
	// the -X argument, as the linker writes them: spaces, quotes, "=" and
	// any UTF-8 are matched exactly.
	//
	// In a file with a symbol table each variable is read through its
	// symbol: its string header, then the bytes it points at, so the
	// problem names the value it holds, or says the variable is not in
	// the file (misspelt, or never used and dropped by the linker). A
	// stripped file (-s) has no symbols: a value landed when a string
	// header among the file's variables points at a copy of it with its
	// length, and as many such headers exist as variables were given it.
	// Which variable holds it cannot be read, and the report's Notes say
	// so. A value that another variable holds, stamped or initialised in
	// the source, can therefore hide a typo in a stripped file; it never
	// fails a correct build. An empty value is checked only with symbols.
	Stamped map[string]string

	// AllowLibraries are further libraries the file may load, by exact
	// name as the file spells it (for Windows DLLs, in any case): a
	// library shipped beside the binary or known to be on every target.
	AllowLibraries []string
}

// judge returns the problems of b under p, except the -X check, which needs
// the file.
func (p Policy) judge(b *Binary) []string {
	goos := p.GOOS
	if goos == "" {
		goos = b.BuildInfo.Setting("GOOS")
	}
	if goos == "" {
		goos = b.GOOS
	}
	var problems []string
	if p.GOARCH == "all" {
		problems = append(problems, universalProblem(b))
		p.GOARCH = ""
	}
	problems = append(problems, p.platformProblems(b)...)
	switch b.Format {
	case "elf":
		problems = append(problems, p.elfProblems(b, goos)...)
	case "macho":
		problems = append(problems, p.machoProblems(b)...)
	case "pe":
		problems = append(problems, p.peProblems(b)...)
	}
	problems = append(problems, p.buildInfoProblems(b)...)
	return problems
}

// allowed reports whether name is in p.AllowLibraries.
func (p Policy) allowed(name string, foldCase bool) bool {
	for _, a := range p.AllowLibraries {
		if a == name || foldCase && strings.EqualFold(a, name) {
			return true
		}
	}
	return false
}

// cgo reports whether b may hold C code under p: cgo was asked for, or, when
// neither cgo nor pure Go was, the build information records CGO_ENABLED=1.
func (p Policy) cgo(b *Binary) bool {
	return p.Cgo || !p.PureGo && b.BuildInfo.Setting("CGO_ENABLED") == "1"
}

// platformProblems checks the file's format and machine against p.GOOS and
// p.GOARCH, and against the platform its build information records.
func (p Policy) platformProblems(b *Binary) []string {
	var problems []string
	recOS, recArch := b.BuildInfo.Setting("GOOS"), b.BuildInfo.Setting("GOARCH")
	if goos := cmp.Or(p.GOOS, recOS); goos != "" {
		want := "elf"
		switch goos {
		case "windows":
			want = "pe"
		case "darwin", "ios":
			want = "macho"
		}
		switch {
		case b.Format == want:
		case p.GOOS != "":
			problems = append(problems, fmt.Sprintf("is a %s file, but %s executables are %s files: the artifact was built for another platform; check GOOS", formatName(b.Format), p.GOOS, formatName(want)))
		default:
			problems = append(problems, fmt.Sprintf("is a %s file, but its build information records GOOS=%s, whose executables are %s files: the information belongs to another build; build the file again with go build", formatName(b.Format), recOS, formatName(want)))
		}
	}
	if p.GOOS != "" && recOS != "" && recOS != p.GOOS {
		problems = append(problems, fmt.Sprintf("was built for GOOS=%s, not %s: it will not run on the intended platform; set GOOS=%s", recOS, p.GOOS, p.GOOS))
	}
	switch {
	case p.GOARCH != "" && recArch != "" && recArch != p.GOARCH:
		problems = append(problems, fmt.Sprintf("was built for GOARCH=%s, not %s: it will not run on the intended processor; set GOARCH=%s", recArch, p.GOARCH, p.GOARCH))
	case p.GOARCH != "" && b.GOARCH != "" && b.GOARCH != p.GOARCH:
		problems = append(problems, fmt.Sprintf("holds %s machine code, not %s: it will not run on the intended processor; set GOARCH=%s", b.GOARCH, p.GOARCH, p.GOARCH))
	case p.GOARCH == "" && recArch != "" && b.GOARCH != "" && b.GOARCH != recArch:
		problems = append(problems, fmt.Sprintf("holds %s machine code, but its build information records GOARCH=%s: the information belongs to another build; build the file again with go build", b.GOARCH, recArch))
	}
	return problems
}

// formatName returns the usual spelling of a Binary.Format.
func formatName(format string) string {
	switch format {
	case "elf":
		return "ELF"
	case "macho":
		return "Mach-O"
	case "pe":
		return "PE"
	}
	return format
}

// elfSystem returns the loaders and libraries a pure-Go binary of goos needs
// where Go has no static option, or nils where it must be fully static.
func elfSystem(goos string) (interps, libs []string) {
	switch goos {
	case "openbsd":
		return []string{"/usr/libexec/ld.so"}, []string{"libc.so", "libpthread.so"}
	case "solaris", "illumos":
		return []string{"/lib/amd64/ld.so.1"}, []string{"libc.so", "libsocket.so", "libsendfile.so"}
	case "android":
		return []string{"/system/bin/linker64", "/system/bin/linker"}, nil
	}
	return nil, nil
}

// elfProblems checks an ELF file's interpreter, libraries and run paths.
// Where Go can build static binaries (linux, freebsd, netbsd, dragonfly)
// there must be none; elsewhere exactly what a pure-Go binary needs.
func (p Policy) elfProblems(b *Binary, goos string) []string {
	var problems []string
	interps, libs := elfSystem(goos)
	if b.Interpreter != "" && !slices.Contains(interps, b.Interpreter) {
		if interps == nil {
			fix := "build with CGO_ENABLED=0 and -buildmode=exe, or link statically: -ldflags '-linkmode external -extldflags -static' (-static-pie for a PIE)"
			problems = append(problems, fmt.Sprintf("requests the program interpreter %s: the binary starts only where that dynamic loader exists, and a PIE or cgo build needs it; %s", b.Interpreter, fix))
		} else {
			problems = append(problems, fmt.Sprintf("requests the program interpreter %s: a pure-Go %s binary uses %s; the build linked with an unusual loader, so build with CGO_ENABLED=0", b.Interpreter, goos, strings.Join(interps, " or ")))
		}
	}
	for _, l := range b.Libraries {
		if slices.Contains(libs, l.Name) || p.allowed(l.Name, false) {
			continue
		}
		switch {
		case libs != nil || interps != nil:
			needs := "no shared library"
			if libs != nil {
				needs = "only " + strings.Join(libs, ", ")
			}
			problems = append(problems, fmt.Sprintf("links %s dynamically: a pure-Go %s binary needs %s, so C code or a cgo dependency added it; remove it, or list it in AllowLibraries if every target has it", l.Name, goos, needs))
		case strings.HasPrefix(l.Name, "libc.") || strings.HasPrefix(l.Name, "libc-"):
			problems = append(problems, fmt.Sprintf("links %s dynamically: the binary needs the C library of the machine it runs on, in a compatible version; set CGO_ENABLED=0 or use the cgo static mode (-ldflags '-linkmode external -extldflags -static')", l.Name))
		default:
			problems = append(problems, fmt.Sprintf("links %s dynamically: the binary needs that library, in a compatible version, on every machine it runs on; set CGO_ENABLED=0, or link it statically with the cgo static mode (-ldflags '-linkmode external -extldflags -static')", l.Name))
		}
	}
	for _, r := range b.RPaths {
		problems = append(problems, fmt.Sprintf("sets the library search path %s (DT_RPATH/DT_RUNPATH): the loader looks for libraries there at run time; remove -rpath from the link flags", r))
	}
	return problems
}

// darwinSystem reports whether a darwin binary may load the dylib name: the
// libraries a pure-Go binary loads (crypto/x509 adds the two frameworks) or,
// with cgo, anything the operating system ships.
func darwinSystem(name string, cgo bool) bool {
	switch name {
	case "/usr/lib/libSystem.B.dylib",
		"/usr/lib/libresolv.9.dylib",
		"/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation",
		"/System/Library/Frameworks/Security.framework/Versions/A/Security":
		return true
	}
	return cgo && !strings.Contains(name, "..") &&
		(strings.HasPrefix(name, "/usr/lib/") || strings.HasPrefix(name, "/System/Library/"))
}

// machoProblems checks a Mach-O file's loader, dylibs, run paths and dyld
// environment.
func (p Policy) machoProblems(b *Binary) []string {
	var problems []string
	if b.Interpreter != "/usr/lib/dyld" {
		problems = append(problems, fmt.Sprintf("names the dynamic loader %q, not /usr/lib/dyld: the binary will not start on macOS; build it with the Go toolchain", b.Interpreter))
	}
	for _, l := range b.Libraries {
		if darwinSystem(l.Name, p.cgo(b)) || p.allowed(l.Name, false) {
			continue
		}
		var why string
		switch {
		case strings.HasPrefix(l.Name, "@"):
			why = "the path is resolved against the binary's location or run paths, so the library must ship with it"
		case strings.HasPrefix(l.Name, "/usr/local/") || strings.HasPrefix(l.Name, "/opt/"):
			why = "it comes from a package manager (Homebrew, MacPorts) and is absent on a stock Mac"
		default:
			why = "a pure-Go darwin binary loads only libSystem, libresolv and the CoreFoundation and Security frameworks"
		}
		problems = append(problems, fmt.Sprintf("%s %s: %s; drop the cgo dependency that needs it or link it statically, or list it in AllowLibraries if every target has it", dylibVerb(l.Kind), l.Name, why))
	}
	for _, r := range b.RPaths {
		problems = append(problems, fmt.Sprintf("sets the run path %s (LC_RPATH): dyld searches it for @rpath libraries, which ship outside the system; remove -rpath from the link flags", r))
	}
	for _, e := range b.Environment {
		problems = append(problems, fmt.Sprintf("sets %s (LC_DYLD_ENVIRONMENT): dyld changes where it finds libraries for this binary; remove -dyld_env from the link flags", e))
	}
	return problems
}

// dylibVerb says how a Mach-O dylib of the given Library.Kind is loaded.
func dylibVerb(kind string) string {
	switch kind {
	case "weak":
		return "weakly loads"
	case "reexport":
		return "re-exports"
	case "lazy":
		return "lazily loads"
	case "upward":
		return "loads (upward)"
	}
	return "loads"
}

// windowsCRuntime reports whether the DLL name, in lower case, is the C
// runtime every Windows ships.
func windowsCRuntime(name string) bool {
	return name == "msvcrt.dll" || name == "ucrtbase.dll" || strings.HasPrefix(name, "api-ms-win-crt-")
}

// mingwRuntime reports whether the DLL name, in lower case, is part of the
// MinGW runtime, which Windows does not ship.
func mingwRuntime(name string) bool {
	return strings.HasPrefix(name, "libgcc_s") || strings.HasPrefix(name, "libstdc++") || strings.HasPrefix(name, "libwinpthread")
}

// peProblems checks the DLLs a PE file imports.
func (p Policy) peProblems(b *Binary) []string {
	var problems []string
	for _, l := range b.Libraries {
		name := strings.ToLower(l.Name)
		if l.Kind == "delay" {
			problems = append(problems, fmt.Sprintf("delay-loads %s: Windows loads it at the first call, so a missing DLL fails the program in the middle of its run instead of at start-up; import it normally or remove the dependency", l.Name))
			continue
		}
		switch {
		case name == "kernel32.dll", p.allowed(l.Name, true):
		case mingwRuntime(name):
			problems = append(problems, fmt.Sprintf("imports %s, a MinGW runtime DLL that Windows does not ship: the program will not start unless the DLL is copied beside it; link the MinGW runtime statically (-ldflags '-extldflags -static', or -static-libgcc -static-libstdc++)", l.Name))
		case windowsCRuntime(name):
			if !p.cgo(b) {
				problems = append(problems, fmt.Sprintf("imports %s: C code was linked, but the build did not ask for cgo; set CGO_ENABLED=0, or build with CGO_ENABLED=1 if the C code is intended", l.Name))
			}
		default:
			problems = append(problems, fmt.Sprintf("imports %s, which a pure-Go windows binary does not (it imports only kernel32.dll, and the C runtime with cgo): the program will not start where the DLL is missing; remove the dependency, or list it in AllowLibraries if every target has it", l.Name))
		}
	}
	return problems
}

// buildInfoProblems checks what the toolchain recorded: cgo mode, -trimpath,
// -buildmode, build tags and, for a release, vcs.modified.
func (p Policy) buildInfoProblems(b *Binary) []string {
	bi := b.BuildInfo
	if bi == nil {
		return []string{"has no Go build information: it was not built by the Go toolchain, or the information was removed, so its platform, cgo mode and build flags cannot be checked; build it with go build"}
	}
	var problems []string
	if p.Cgo || p.PureGo {
		want := "0"
		if p.Cgo {
			want = "1"
		}
		switch got := bi.Setting("CGO_ENABLED"); {
		case got == want:
		case got == "":
			problems = append(problems, fmt.Sprintf("does not record CGO_ENABLED: its cgo mode cannot be checked; build it with a Go toolchain of 1.18 or later and CGO_ENABLED=%s", want))
		case p.Cgo:
			problems = append(problems, fmt.Sprintf("was built with CGO_ENABLED=%s, but cgo was asked for: the C code it needs was left out; set CGO_ENABLED=1", got))
		default:
			problems = append(problems, fmt.Sprintf("was built with CGO_ENABLED=%s, but a pure-Go build was asked for: packages such as net and os/user then call the C library; set CGO_ENABLED=0", got))
		}
	}
	if p.Trimpath && bi.Setting("-trimpath") != "true" {
		problems = append(problems, "was built without -trimpath: it records the file paths of the build machine, so it is not reproducible; add -trimpath")
	}
	switch got := bi.Setting("-buildmode"); {
	case p.BuildMode != "" && got == "":
		problems = append(problems, fmt.Sprintf("does not record -buildmode: what kind of file it is cannot be checked; build it with a Go toolchain of 1.18 or later and -buildmode=%s", p.BuildMode))
	case p.BuildMode != "" && got != p.BuildMode:
		problems = append(problems, fmt.Sprintf("was built with -buildmode=%s, not %s: it is a different kind of file than intended; set -buildmode=%s", got, p.BuildMode, p.BuildMode))
	case p.BuildMode == "" && got != "" && got != "exe" && got != "pie":
		problems = append(problems, fmt.Sprintf("was built with -buildmode=%s, which does not make an executable: build it with -buildmode=exe or -buildmode=pie", got))
	}
	tags := strings.Split(bi.Setting("-tags"), ",")
	for _, t := range p.RequireTags {
		if slices.Contains(tags, t) {
			continue
		}
		why := "the build policy requires it"
		switch t {
		case "netgo":
			why = "without it the net package calls the C library's resolver, which a static binary cannot load"
		case "osusergo":
			why = "without it os/user calls the C library's user lookup, which a static binary cannot load"
		}
		problems = append(problems, fmt.Sprintf("was built without the %s build tag: %s; add -tags %s", t, why, t))
	}
	if p.Release && bi.Setting("vcs.modified") == "true" {
		problems = append(problems, "was built from a tree with uncommitted changes (vcs.modified=true): a release must come from a clean commit to be reproducible; commit the changes and build again")
	}
	return problems
}
