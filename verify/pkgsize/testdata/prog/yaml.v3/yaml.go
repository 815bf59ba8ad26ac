// Package yaml has a dot in the last element of its import path, which the
// linker escapes in symbol names, and a generic type and a closure.
package yaml

// A Stack is a generic stack.
type Stack[E any] struct{ elems []E }

// Push pushes e.
//
//go:noinline
func (s *Stack[E]) Push(e E) { s.elems = append(s.elems, e) }

// Len returns the length of s.
//
//go:noinline
func (s *Stack[E]) Len() int { return len(s.elems) }

// Count counts the non-empty strings in a.
//
//go:noinline
func Count(a []string) int {
	n := 0
	each(a, func(s string) {
		if s != "" {
			n++
		}
	})
	return n
}

//go:noinline
func each(a []string, f func(string)) {
	for _, s := range a {
		f(s)
	}
}
