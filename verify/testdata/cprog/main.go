// Command cprog calls a little C. Built with cgo it links the C runtime: on
// windows with MinGW, msvcrt.dll. It is a fixture for verify's tests.
package main

// #include <stdio.h>
// static void greet(void) { printf("hello from C\n"); fflush(stdout); }
import "C"

func main() { C.greet() }
