// Command xvars holds string variables for verify's -X tests: one set to a
// version, one to a single character, one never set, and one set to a value
// the program also prints as a string literal.
package main

import "fmt"

var version, commit, unset, greeting string

func main() {
	fmt.Println(version, commit, unset, greeting)
	fmt.Println("hello, world")
	fmt.Println("printed by the program")
}
