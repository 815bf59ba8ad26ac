package main

import "example.com/app/internal/lib"

func main() { lib.F() }
