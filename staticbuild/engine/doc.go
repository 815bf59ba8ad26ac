// Package engine builds, checks and releases the Go programs of a project
// for a matrix of platforms. It is what the mage targets in package
// staticbuild run, and it is an ordinary Go API.
//
// The functions Build, Cross, Verify, SizeGate, SizeBaseline, Release and
// Merge each run one target with a Config. A release is a list of steps
// over one list of artifacts, in the order pipeline.go gives: build,
// verify, sizegate, archive, sbom, checksums, manifest. The magefile's
// own steps (Config.Steps) are of the same kind and run after the step
// each names.
//
// A step reads only what earlier steps left in the run (or, for Verify and
// SizeGate on a run that built nothing, the manifest in dist/), so a dist/
// copied to another machine can be judged there without git, go list or C
// compilers. Files a run writes into dist/ stay under temporary names until
// the manifest step puts them in place, so a run that fails or is
// interrupted leaves dist/ as the last complete run left it.
package engine
