package lib

// F does nothing.
func F() int {
	return "a", 1
}

func g() { undefinedThing() }
