// Package verify tells whether a Go executable runs on a bare machine of its
// platform: that it links no library the target may lack, and that it was
// built the way it was meant to be.
//
// It reads the file, never runs it and never runs a loader, so it judges a
// darwin or windows binary built on Linux as well as a native one:
//
//   - ELF (linux, the BSDs, solaris, illumos, android): the program headers,
//     as the kernel reads them, from e_phoff even where they overlap the ELF
//     header. PT_INTERP and the DT_NEEDED entries of PT_DYNAMIC, whose names
//     are found through the PT_LOAD segments, so a file whose section
//     headers were stripped is read all the same.
//   - Mach-O (darwin, ios): every kind of dylib load command (plain, weak,
//     re-export, lazy, upward), LC_RPATH and LC_DYLD_ENVIRONMENT. A
//     universal (fat) file is read slice by slice, and each slice is judged
//     as the thin file it is, its problems named by its architecture.
//   - PE (windows): the DLLs named by the import and delay-import
//     directories.
//   - Build information (debug/buildinfo): GOOS, GOARCH, CGO_ENABLED,
//     -trimpath, -buildmode, build tags and vcs.modified.
//
// A [Policy] says what a file must be; [Check] inspects a file and judges it,
// returning a [Report] whose Problems each say what is wrong, why it matters
// and how to fix it. [Inspect] returns the facts alone. The zero Policy judges
// a file by what it is, pure Go or cgo as its build information records; its
// fields ask for more, such as a pure-Go build, -trimpath or a clean tree.
//
// What a binary may link depends on its platform. Linux, FreeBSD, NetBSD and
// DragonFly binaries must be fully static (a static-pie counts). OpenBSD,
// Solaris, illumos and Android have no static option, so there a binary may
// use exactly the loader and libraries a pure-Go binary needs. Darwin
// binaries may load libSystem, libresolv and the CoreFoundation and Security
// frameworks; windows binaries may import kernel32.dll, and the C runtime
// when cgo was asked for.
//
// The package uses only the standard library.
package verify
