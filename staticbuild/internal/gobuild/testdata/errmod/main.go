package main

func main() {
	var n int = "one"
	_ = n
}
