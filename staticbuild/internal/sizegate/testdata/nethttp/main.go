// Command nethttp is plain plus an HTTP client: the program whose growth
// the size gate tests catch.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	fmt.Println("hello,", len(os.Args), "arguments")
	if len(os.Args) > 1 {
		resp, err := http.Get(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
}
