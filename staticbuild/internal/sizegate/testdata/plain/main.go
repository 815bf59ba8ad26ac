// Command plain is the small program of the size gate tests: the baseline.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello,", len(os.Args), "arguments")
}
