// Package levenshtein measures how far apart two names are, for the "did
// you mean" of an error message.
package levenshtein

// Distance returns the Levenshtein distance between a and b: the fewest
// single-byte insertions, deletions and substitutions that turn a into b.
// It compares bytes, which is what the names it is for (platforms,
// variable names) are made of; it cannot fail.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
