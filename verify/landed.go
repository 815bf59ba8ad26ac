package verify

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The linker gives every string variable set with -X its own read-only
// symbol, "<var>.str", holding the value and a NUL (cmd/link
// addstrdata), and silently sets nothing when the variable does not exist,
// is not a string, or is unreachable. So a file holds value+"\x00" at least
// once for each variable that took the value. The build information blob,
// which may repeat a stamped value as the module version, vcs.revision or
// in -ldflags, is left out of the count.

const (
	scanChunk  = 1 << 20 // bytes scan reads at a time
	maxMatches = 1 << 12 // occurrences of a value or of the magic worth recording
)

// stampGroup is the set of -X variables given one value.
type stampGroup struct {
	value string
	vars  []string
}

// checkStamped reports each group of -X variables in stamped (variable ->
// value) whose value is in r fewer times than the variables given it. An
// empty value is not checked: it is the zero value either way.
func checkStamped(r io.ReaderAt, size int64, stamped map[string]string) ([]string, error) {
	byValue := make(map[string][]string)
	for name, value := range stamped {
		if value != "" {
			byValue[value] = append(byValue[value], name)
		}
	}
	if len(byValue) == 0 {
		return nil, nil
	}
	groups := make([]stampGroup, 0, len(byValue))
	for value, vars := range byValue {
		sort.Strings(vars)
		groups = append(groups, stampGroup{value, vars})
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].vars[0] < groups[j].vars[0] })

	// One pass finds the values and the build information blobs; the
	// values inside a blob are then left out.
	needles := [][]byte{[]byte(buildInfoMagic)}
	for _, g := range groups {
		needles = append(needles, append([]byte(g.value), 0))
	}
	found := make([][]int64, len(needles))
	err := scan(r, size, needles, func(i int, off int64) bool {
		if len(found[i]) < maxMatches {
			found[i] = append(found[i], off)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var blobs [][2]int64
	for _, off := range found[0] {
		if _, _, end, ok := readBuildInfoBlob(r, size, off, false); ok {
			blobs = append(blobs, [2]int64{off, end})
		}
	}
	counts := make([]int, len(groups))
	for i, g := range groups {
		// A copy of a longer stamped value ending in this one, "v1.2.3"
		// for "1.2.3", holds a match that is not this value's.
		var tails map[int64]bool
		for j, h := range groups {
			if len(h.value) > len(g.value) && strings.HasSuffix(h.value, g.value) {
				if tails == nil {
					tails = make(map[int64]bool)
				}
				for _, off := range found[j+1] {
					tails[off+int64(len(h.value)-len(g.value))] = true
				}
			}
		}
		for _, off := range found[i+1] {
			if !tails[off] && !slices.ContainsFunc(blobs, func(b [2]int64) bool { return off >= b[0] && off < b[1] }) {
				counts[i]++
			}
		}
	}
	var problems []string
	for i, g := range groups {
		problems = append(problems, notLanded(g, counts[i])...)
	}
	return problems, nil
}

// notLanded returns the problems of the group g whose value is in the file
// count times: one per variable when none landed, else one naming all the
// variables given the value, since a count cannot tell which did not land.
func notLanded(g stampGroup, count int) []string {
	const why = "(the linker ignores -X for a variable that does not exist or is never used)"
	missing := len(g.vars) - count
	if missing <= 0 {
		return nil
	}
	if count == 0 {
		problems := make([]string, len(g.vars))
		for i, v := range g.vars {
			problems[i] = fmt.Sprintf("%s did not land: the binary has no variable %s %s; check the package path and the name of the variable, and that the program uses it", xFlag(v, g.value), quoteName(v), why)
		}
		return problems
	}
	flags := make([]string, len(g.vars))
	names := make([]string, len(g.vars))
	for i, v := range g.vars {
		flags[i], names[i] = xFlag(v, g.value), quoteName(v)
	}
	some, are := "one", "is"
	if missing > 1 {
		some, are = fmt.Sprint(missing), "are"
	}
	list := strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	return []string{fmt.Sprintf("%s of %s did not land: the value is in the binary %s for %d variables, so %s of the variables %s %s not in it %s; check the package path and the name of each, and that the program uses it",
		some, strings.Join(flags, ", "), times(count), len(g.vars), some, list, are, why)}
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

// times spells n as "once", "twice" or "n times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
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
