package main

func main() { println(greeting) }
