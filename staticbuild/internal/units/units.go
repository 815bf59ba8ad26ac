// Package units formats sizes for people, the same way in every line,
// table and summary magestatic prints.
package units

import "fmt"

// FormatSize formats a number of bytes for people, in SI units (powers of
// 1000, like the sizes people write in budgets), with one decimal: "999 B",
// "1.0 kB", "12.3 MB", "1.5 GB". Negative sizes, such as a shrinking
// binary's growth, get a minus sign.
func FormatSize(n int64) string {
	sign := ""
	u := uint64(n)
	if n < 0 {
		sign, u = "-", uint64(-n) // correct for math.MinInt64 too
	}
	if u < 1000 {
		return fmt.Sprintf("%s%d B", sign, u)
	}
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	v, i := float64(u)/1000, 0
	// Move up a unit when rounding would print 1000.0.
	for v >= 999.95 && i < len(units)-1 {
		v /= 1000
		i++
	}
	return fmt.Sprintf("%s%.1f %s", sign, v, units[i])
}
