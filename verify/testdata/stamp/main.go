// Command stamp prints string variables that its builds set with
// -ldflags -X, to values a shell or a config file may hold: spaces, quotes,
// "=" and UTF-8. It is a fixture for verify's tests.
package main

import "fmt"

var spaced, quoted, apostrophe, equals, unicode, suffix string

func main() {
	fmt.Println(spaced, quoted, apostrophe, equals, unicode, suffix)
}
