package verify

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
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
	for i := range groups {
		for _, off := range found[i+1] {
			if !slices.ContainsFunc(blobs, func(b [2]int64) bool { return off >= b[0] && off < b[1] }) {
				counts[i]++
			}
		}
	}
	var problems []string
	for i, g := range groups {
		if counts[i] >= len(g.vars) {
			continue
		}
		flags := make([]string, len(g.vars))
		for j, v := range g.vars {
			flags[j] = fmt.Sprintf("-X %s=%s", v, g.value)
		}
		if len(g.vars) == 1 {
			problems = append(problems, fmt.Sprintf("%s did not land: the value is not in the binary, so the variable does not exist, is not a string variable or is never used, and the linker ignores such -X silently; check the package path and name of the variable", flags[0]))
			continue
		}
		problems = append(problems, fmt.Sprintf("%s did not all land: the value is in the binary %d times for %d variables, so at least one of them does not exist, is not a string variable or is never used, and the linker ignores such -X silently; check the package path and name of each", strings.Join(flags, ", "), counts[i], len(g.vars)))
	}
	return problems, nil
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
