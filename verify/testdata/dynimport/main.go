// Command dynimport is a pure-Go program that makes the linker load a dylib
// from Homebrew, the way the syscall package names the libraries it calls on
// darwin. It is a fixture for verify's tests and is never run.
package main

import "fmt"

//go:cgo_import_dynamic _ _ "/opt/homebrew/lib/libfoo.1.dylib"

func main() { fmt.Println("dynimport") }
