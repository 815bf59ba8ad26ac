// Command app is the program the image tests put into images: it prints
// its version, the UTC offset of a time zone, or the HTTP status of a GET.
//
//	app --version
//	app tz America/New_York
//	app get https://127.0.0.1:PORT/
package main

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: app --version | tz ZONE | get URL")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "--version":
		fmt.Printf("app 1.0.0 %s/%s\n", runtime.GOOS, runtime.GOARCH)
	case "tz":
		loc, err := time.LoadLocation(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_, off := time.Date(2024, 1, 15, 12, 0, 0, 0, loc).Zone()
		fmt.Printf("%s %d\n", loc, off)
	case "get":
		resp, err := http.Get(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
		os.Exit(2)
	}
}
