// Package engine builds, checks and releases the Go programs of a project
// for a matrix of platforms. It is what the mage targets in package
// staticbuild run, and it is an ordinary Go API.
//
// The functions Build, Cross, Verify, SizeGate, SizeBaseline and Release
// each run one target with a Config. Underneath, a run is a list of steps
// over one list of artifacts: New resolves the configuration and the
// environment into a Run, and each step is a method of it:
//
//	r, err := engine.New(cfg)
//	if err != nil {
//		return err
//	}
//	defer r.Close()
//	if err := r.Build(ctx); err != nil { // binaries, into dist/
//		return err
//	}
//	if err := r.Verify(ctx); err != nil { // static linking, build info, -X
//		return err
//	}
//	if err := sign(ctx, r); err != nil { // a step of your own: r.Add, r.WriteFile
//		return err
//	}
//	return r.Manifest(ctx) // dist/artifacts.json
//
// A step reads only what earlier steps left in the run (or, for Verify and
// SizeGate on a run that built nothing, the manifest in dist/), so a dist/
// copied to another machine can be judged there without git, go list or C
// compilers. Files a run writes into dist/ stay under temporary names until
// Manifest puts them in place, so a run that fails or is interrupted leaves
// dist/ as the last complete run left it.
package engine
