//go:build !unix

package main

// selfCPU reports no CPU time where there is no getrusage.
func selfCPU() int64 { return 0 }
