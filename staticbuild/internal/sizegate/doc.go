// Package sizegate holds a project's binaries to size limits: an absolute
// budget per binary and platform, and a maximum growth over a baseline
// committed with the project. When a binary fails, it tells which
// packages' code grew, read from the binary by package pkgsize.
//
// A project may have several binaries, each built for several platforms;
// the baseline has an entry per binary name and platform, such as
// "server" on "linux/arm/7", and every message names both.
//
// A gate run is:
//
//	base, err := sizegate.ReadBaseline("magestatic-sizes.json", "example.com/app")
//	...
//	bins := []sizegate.Binary{
//		{Name: "server", Platform: "linux/amd64", Path: "dist/server_linux_amd64/server", Limits: l},
//		{Name: "cli", Platform: "linux/arm/7", Path: "dist/cli_linux_arm_7/cli", Limits: l},
//	}
//	results, err := sizegate.Check(bins, base)
//	sizegate.WriteTable(os.Stdout, results)
//	return err // names every failing binary and platform, and its top growers
//
// and recording a baseline, only ever on the user's explicit request:
//
//	b, err := sizegate.Snapshot("example.com/app", bins, 30)
//	...
//	err = sizegate.WriteBaseline("magestatic-sizes.json", b)
package sizegate
