//go:build windows

package main

var greeting int = "hello"
