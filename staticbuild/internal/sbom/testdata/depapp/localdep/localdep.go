// Package localdep is a module used through a directory replacement.
package localdep

// Greeting returns a fixed string.
func Greeting() string { return "hello" }
