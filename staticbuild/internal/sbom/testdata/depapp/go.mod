module example.com/depapp

go 1.24

require (
	example.com/localdep v0.0.0
	github.com/hashicorp/go-multierror v1.1.1
)

require github.com/hashicorp/errwrap v1.0.0 // indirect

// A directory replacement: no version, no hash in the build info.
replace example.com/localdep => ./localdep

// A module replacement: the build info records the replacement's hash.
replace github.com/hashicorp/errwrap v1.0.0 => github.com/hashicorp/errwrap v1.0.0
