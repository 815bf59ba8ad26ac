// Command hello greets and reports its version with --version.
package main

import (
	"fmt"
	"os"

	"github.com/magestatic/magestatic/version"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(version.Get().Long())
		return
	}
	name := "world"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	fmt.Printf("hello, %s\n", name)
}
