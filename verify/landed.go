package verify

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// The linker's -X importpath.name=value sets the string variable
// importpath.name: it writes the value, with a NUL, as a read-only symbol
// "importpath.name.str" and makes the variable, a string header {pointer,
// length} in writable data, point at it (cmd/link addstrdata). It sets
// nothing, without a word, when the variable does not exist or the program
// never uses it (the linker drops it as dead code).
//
// A file with a symbol table is judged variable by variable: the header is
// read at the variable's symbol, and the bytes it points at are the value.
// A stripped file (-s) has no symbols, so the check looks for the header
// itself: a pointer-sized word holding the address of a copy of the value
// in read-only data, followed by a word holding its length, among the
// variables with initial values (.data, .noptrdata and their Mach-O and PE
// equivalents). Such a header proves that some variable holds the value,
// but not which one.

const (
	scanChunk      = 1 << 20 // bytes scan reads at a time
	maxMatches     = 1 << 12 // string headers of one value worth counting
	maxShownValue  = 120     // bytes of a variable's value a problem quotes
	maxSuggestDist = 2       // edits between a name and a suggested one
)

// stampGroup is the set of -X variables given one value.
type stampGroup struct {
	value string
	vars  []string
}

// checkStamped checks that each -X variable in stamped (variable -> value)
// holds its value in the thin executable of the given size in r. It
// returns the problems, and notes saying what a stripped file could not
// show. The error is non-nil when the file cannot be read.
func checkStamped(r io.ReaderAt, size int64, stamped map[string]string) (problems, notes []string, err error) {
	if len(stamped) == 0 {
		return nil, nil, nil
	}
	img, err := openImage(r, size)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(stamped))
	for name := range stamped {
		names = append(names, name)
	}
	sort.Strings(names)
	if img.syms != nil {
		for _, name := range names {
			if p, err := img.checkVar(name, stamped[name]); err != nil {
				return nil, nil, err
			} else if p != "" {
				problems = append(problems, p)
			}
		}
		return problems, nil, nil
	}
	return img.checkStripped(names, stamped)
}

// checkVar reads the string variable name through its symbol and returns
// the problem when it does not hold want, or "".
func (img *memImage) checkVar(name, want string) (string, error) {
	flag := xFlag(name, want)
	sym, ok := img.lookup(name)
	if !ok {
		hint := "check the package path and the name"
		if s := img.suggest(name); s != "" {
			hint = "did you mean " + quoteName(s) + "?"
		}
		return fmt.Sprintf("%s did not land: the binary has no variable %s: either the name is misspelt (%s), or the program never uses the variable and the linker dropped it as dead code; the linker ignores -X for both without a word", flag, quoteName(name), hint), nil
	}
	notString := func(why string) string {
		return fmt.Sprintf("%s did not land: %s is not a string variable the linker can set: %s; -X sets only package-level variables of type string", flag, quoteName(name), why)
	}
	g := img.region(sym.addr)
	switch hdr := uint64(2 * img.ptrSize); {
	case g == nil:
		return notString(fmt.Sprintf("its symbol's address %#x is in no segment of the file", sym.addr)), nil
	case g.exec:
		return notString("its symbol is in executable code, so it is a function"), nil
	case sym.size != 0 && sym.size != hdr:
		return notString(fmt.Sprintf("its symbol is %d bytes, and a string is %d", sym.size, hdr)), nil
	}
	h, err := img.read(sym.addr, uint64(2*img.ptrSize))
	if err != nil {
		return notString("its string header cannot be read: " + err.Error()), nil
	}
	ptr, n := img.word(h), img.word(h[img.ptrSize:])
	if n > maxValueLen {
		return notString(fmt.Sprintf("what would be its length, %d, is longer than any value in the file", n)), nil
	}
	var got []byte
	if n > 0 {
		// Read the whole value only when it may be the one wanted.
		m := n
		if n != uint64(len(want)) {
			m = min(n, maxShownValue)
		}
		if got, err = img.read(ptr, m); err != nil {
			return notString(fmt.Sprintf("its string header {%#x, %d} does not point at the file's data: %v", ptr, n, err)), nil
		}
	}
	if n == uint64(len(want)) && string(got) == want {
		return "", nil
	}
	shown := strconv.Quote(string(got))
	if uint64(len(got)) < n {
		shown = fmt.Sprintf("%s... (%d bytes)", strconv.Quote(string(got)), n)
	}
	return fmt.Sprintf("%s did not land: %s holds %s (read through its symbol), not %s: the binary was built with another value for it, or none; build it again with %s, or check it against the value it was built with",
		flag, quoteName(name), shown, strconv.Quote(want), flag), nil
}

// suggest returns the string variable of the file whose name is closest to
// name, within maxSuggestDist edits, or "".
func (img *memImage) suggest(name string) string {
	best, bestDist := "", maxSuggestDist+1
	for s, sym := range img.syms {
		s = strings.TrimPrefix(s, "_")
		if s == name || strings.HasSuffix(s, ".str") || abs(len(s)-len(name)) > maxSuggestDist {
			continue
		}
		d := editDistance(s, name, bestDist)
		if d > bestDist || d == bestDist && s >= best {
			continue
		}
		if g := img.region(sym.addr); g == nil || !g.writable || sym.size != 0 && sym.size != uint64(2*img.ptrSize) {
			continue
		}
		best, bestDist = s, d
	}
	return best
}

// abs returns the absolute value of n.
func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance returns the Levenshtein distance between a and b, or any
// number above limit once it is known to exceed it.
func editDistance(a, b string, limit int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			low = min(low, cur[j])
		}
		if low > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// checkStripped judges the -X values of a file without symbols by the
// string headers that point at them. Variables given one value are judged
// together: the headers count how many variables hold it, not which.
func (img *memImage) checkStripped(names []string, stamped map[string]string) (problems, notes []string, err error) {
	byValue := map[string][]string{}
	var groups []stampGroup
	for _, name := range names {
		v := stamped[name]
		if byValue[v] == nil {
			groups = append(groups, stampGroup{value: v})
		}
		byValue[v] = append(byValue[v], name)
	}
	var values []string
	for i := range groups {
		groups[i].vars = byValue[groups[i].value]
		if groups[i].value != "" {
			values = append(values, groups[i].value)
		}
	}
	counts, err := img.countHeaders(values)
	if err != nil {
		return nil, nil, err
	}
	for _, g := range groups {
		flags := make([]string, len(g.vars))
		for i, v := range g.vars {
			flags[i] = xFlag(v, g.value)
		}
		if g.value == "" {
			notes = append(notes, fmt.Sprintf("%s: not checked: the binary is stripped, and an empty value is what an unset variable holds", strings.Join(flags, ", ")))
			continue
		}
		count := counts[g.value]
		switch missing := len(g.vars) - count; {
		case missing <= 0 && len(g.vars) == 1:
			notes = append(notes, fmt.Sprintf("%s: stripped: a string header for the value exists; which variable holds it cannot be read (build without -s to check the variable itself)", flags[0]))
		case missing <= 0:
			notes = append(notes, fmt.Sprintf("%s: stripped: %d string headers for the value exist, one for each variable; which variables hold them cannot be read (build without -s to check the variables themselves)", strings.Join(flags, ", "), count))
		case count == 0:
			where, err := img.valueBytes(g.value)
			if err != nil {
				return nil, nil, err
			}
			for i, v := range g.vars {
				problems = append(problems, fmt.Sprintf("%s did not land: the binary is stripped, so its variables cannot be read, and no string header in its writable data points at a copy of the value (%s); check the package path and the name of the variable %s, and that the program uses it (the linker ignores -X for a variable that does not exist or is never used)",
					flags[i], where, quoteName(v)))
			}
		default:
			some, are := "one", "is"
			if missing > 1 {
				some, are = strconv.Itoa(missing), "are"
			}
			quoted := make([]string, len(g.vars))
			for i, v := range g.vars {
				quoted[i] = quoteName(v)
			}
			list := strings.Join(quoted[:len(quoted)-1], ", ") + " and " + quoted[len(quoted)-1]
			problems = append(problems, fmt.Sprintf("%s of %s did not land: the binary is stripped, and its writable data holds %s for the value but %d variables were given it, so %s of the variables %s %s not in it (the linker ignores -X for a variable that does not exist or is never used); which one cannot be read without symbols: check the package path and the name of each, and that the program uses it",
				some, strings.Join(flags, ", "), headers(count), len(g.vars), some, list, are))
		}
	}
	return problems, notes, nil
}

// headers spells a count of string headers.
func headers(n int) string {
	if n == 1 {
		return "one string header"
	}
	return strconv.Itoa(n) + " string headers"
}

// valueBytes says whether the bytes of value are in the file's read-only
// data, for a problem that found no string header pointing at them.
func (img *memImage) valueBytes(value string) (string, error) {
	for _, g := range img.regions {
		if g.writable || g.filesz == 0 {
			continue
		}
		found := false
		err := scan(io.NewSectionReader(img.r, g.off, int64(g.filesz)), int64(g.filesz), [][]byte{[]byte(value)}, func(int, int64) bool {
			found = true
			return false
		})
		if err != nil {
			return "", fmt.Errorf("searching %s: %w", g.name, err)
		}
		if found {
			return "the value's bytes are in its read-only data, but no string header of that length points at them", nil
		}
	}
	return "the value's bytes are nowhere in its read-only data", nil
}

// countHeaders counts, for each value, the string headers among the file's
// variables (memRegion.vars) that point at a copy of it in read-only data: a
// pointer-aligned word holding the copy's address followed by a word
// holding its length. It counts up to maxMatches of each.
func (img *memImage) countHeaders(values []string) (map[string]int, error) {
	counts := make(map[string]int, len(values))
	byLen := map[uint64][]string{}
	for _, v := range values {
		byLen[uint64(len(v))] = append(byLen[uint64(len(v))], v)
	}
	if len(byLen) == 0 {
		return counts, nil
	}
	ps := uint64(img.ptrSize)
	buf := make([]byte, scanChunk)
	for _, g := range img.regions {
		if !g.vars || g.filesz < 2*ps {
			continue
		}
		// The first pointer-aligned address of the region, and the
		// file bytes from there.
		start := (g.addr + ps - 1) &^ (ps - 1)
		if start-g.addr >= g.filesz {
			continue
		}
		end := g.filesz - (g.filesz-(start-g.addr))%ps // relative to g.addr
		var prev uint64
		havePrev := false
		for rel := start - g.addr; rel < end; {
			n := min(uint64(len(buf)), end-rel)
			chunk := buf[:n]
			if _, err := img.r.ReadAt(chunk, g.off+int64(rel)); err != nil {
				return nil, fmt.Errorf("reading %s: %w", g.name, truncated(err))
			}
			for i := uint64(0); i+ps <= n; i += ps {
				w := img.word(chunk[i:])
				if havePrev {
					if cands := byLen[w]; cands != nil {
						if err := img.matchHeader(prev, w, cands, counts); err != nil {
							return nil, err
						}
					}
				}
				prev, havePrev = w, true
			}
			rel += n
		}
	}
	return counts, nil
}

// matchHeader counts the header {ptr, n} for the candidate value of length
// n that the read-only bytes at ptr equal, if any.
func (img *memImage) matchHeader(ptr, n uint64, cands []string, counts map[string]int) error {
	g := img.region(ptr)
	if g == nil || g.writable || ptr-g.addr > g.filesz || n > g.filesz-(ptr-g.addr) {
		return nil
	}
	b, err := img.read(ptr, n)
	if err != nil {
		return err
	}
	for _, v := range cands {
		if string(b) == v {
			counts[v] = min(counts[v]+1, maxMatches)
			return nil
		}
	}
	return nil
}

// xFlag returns the -X flag that sets name to value, quoted in Go syntax when
// it holds a space, a quote or a character that does not print.
func xFlag(name, value string) string {
	return "-X " + quoteName(name+"="+value)
}

// quoteName returns s, or s quoted in Go syntax when it holds a space, a
// quote, a backslash or a character that does not print.
func quoteName(s string) string {
	for _, r := range s {
		if r == ' ' || r == '"' || r == '\'' || r == '\\' || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// scan reads r in chunks and calls fn with the index and offset of every
// occurrence of every needle, until fn returns false. Memory stays within a
// chunk plus the longest needle.
func scan(r io.ReaderAt, size int64, needles [][]byte, fn func(i int, off int64) bool) error {
	longest := 0
	for _, n := range needles {
		longest = max(longest, len(n))
	}
	if longest == 0 {
		return nil
	}
	keep := longest - 1 // bytes carried over so a match may straddle chunks
	chunk := min(int64(max(scanChunk, 2*longest)), size)
	buf := make([]byte, 0, int(chunk)+keep)
	base := int64(0) // file offset of buf[0]
	for pos := int64(0); pos < size; {
		// Keep the tail of the previous chunk, then read the next one.
		tail := min(keep, len(buf))
		copy(buf, buf[len(buf)-tail:])
		base += int64(len(buf) - tail)
		n := int64(cap(buf) - tail)
		n = min(n, size-pos)
		buf = buf[:tail+int(n)]
		m, err := r.ReadAt(buf[tail:], pos)
		if err != nil && err != io.EOF {
			return fmt.Errorf("reading at offset %#x: %w", pos, err)
		}
		if m < int(n) {
			buf, size = buf[:tail+m], pos+int64(m) // the file is shorter than it was
		}
		pos += int64(m)
		for i, needle := range needles {
			// A match lying wholly in the tail was reported last time.
			from := max(0, tail-len(needle)+1)
			for data := buf[from:]; ; {
				j := bytes.Index(data, needle)
				if j < 0 {
					break
				}
				if !fn(i, base+int64(len(buf)-len(data)+j)) {
					return nil
				}
				data = data[j+1:]
			}
		}
	}
	return nil
}
