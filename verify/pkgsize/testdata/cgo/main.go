// Command cgo calls C code of its own, so that it is linked by the system
// linker: the text section then holds C code that no Go function covers.
package main

/*
#include <stdio.h>
static int twice(int x) { return 2 * x; }
static void hello(void) { printf("hello from C\n"); }
*/
import "C"

import "fmt"

func main() {
	C.hello()
	fmt.Println(C.twice(21))
}
