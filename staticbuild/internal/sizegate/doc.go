// Package sizegate holds a project's binaries to size limits: an absolute
// budget per platform and a maximum growth over a baseline committed with
// the project. When a binary fails, it tells which packages' code grew,
// read from the binary by package pkgsize.
//
// A gate run is:
//
//	base, err := sizegate.ReadBaseline("size-baseline.json", "example.com/app")
//	...
//	results, err := sizegate.Check(bins, base)
//	sizegate.WriteTable(os.Stdout, results)
//	return err // names every failing platform and its top growers
//
// and recording a baseline, only ever on the user's explicit request:
//
//	b, err := sizegate.Snapshot("example.com/app", bins, 30)
//	...
//	err = sizegate.WriteBaseline("size-baseline.json", b)
package sizegate
