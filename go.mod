module github.com/magestatic/magestatic

go 1.24.0

require (
	github.com/CycloneDX/cyclonedx-go v0.11.0
	github.com/hashicorp/go-multierror v1.1.1
	github.com/magefile/mage v1.17.2
	golang.org/x/sync v0.17.0
)

require github.com/hashicorp/errwrap v1.0.0 // indirect

tool github.com/magefile/mage
