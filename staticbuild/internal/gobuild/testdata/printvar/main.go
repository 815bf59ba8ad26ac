package main

import "fmt"

var value string

func main() { fmt.Printf("%q\n", value) }
