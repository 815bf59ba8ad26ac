//go:build !windows

package main

var greeting = "hello"
