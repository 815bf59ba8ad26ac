// Package staticbuild gives a magefile targets that build, check and
// release static Go binaries for a matrix of platforms. Import it in a
// magefile:
//
//	//mage:import
//	_ "github.com/magestatic/magestatic/staticbuild"
//
// and "mage -l" lists its targets. For a module with one main package, or
// with its programs under cmd/, nothing else is needed; to configure it,
// import it by name and set Project in init:
//
//	//mage:import
//	"github.com/magestatic/magestatic/staticbuild"
//
//	func init() {
//		staticbuild.Project = staticbuild.Config{
//			Binaries: []staticbuild.Binary{
//				{Main: "./cmd/server"},
//				{Main: "./cmd/cli", Platforms: []string{"linux/amd64", "darwin/arm64"}},
//			},
//			Platforms: []string{"linux/amd64", "linux/arm/7", "darwin/arm64"},
//		}
//	}
//
// Every target is also an ordinary Go function another target can call,
// and Config's methods of the same names run one with a configuration of
// their own.
//
// A release is a list of steps over one list of artifacts, in the order
// pipeline.go gives: build, verify, sizegate, archive, sbom, checksums,
// manifest. A magefile's own steps (Config.Steps), and those of the step
// packages beside this one (images, linuxpkg, sign, universal), are of the
// same kind and run after the step each names, receiving the Run.
//
// A step reads only what earlier steps left in the run (or, for Verify and
// SizeGate on a run that built nothing, the manifest in dist/), so a dist/
// copied to another machine can be judged there without git, go list or C
// compilers. Files a run writes into dist/ stay under temporary names until
// the manifest step puts them in place, so a run that fails or is
// interrupted leaves dist/ as the last complete run left it.
package staticbuild
