// Command cli is the second binary of the size gate tests, a program
// other than plain that does not grow.
package main

import (
	"flag"
	"fmt"
	"strconv"
)

func main() {
	n := flag.Int("n", 3, "how many numbers")
	flag.Parse()
	for i := range *n {
		fmt.Println(strconv.Quote(strconv.Itoa(i)))
	}
}
