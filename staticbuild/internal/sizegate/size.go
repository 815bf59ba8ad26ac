package sizegate

import (
	"github.com/magestatic/magestatic/staticbuild/internal/units"

	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// sizeSyntax says what ParseSize accepts, for its errors.
const sizeSyntax = "want a number of bytes with an optional unit, such as 1234, 1234B, 50MB, 48MiB or 1.5 GB " +
	"(B; kB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024; case does not matter)"

// errTooLarge is the error of ParseSize for sizes over math.MaxInt64.
var errTooLarge = errors.New("larger than the largest size")

// multipliers are the multipliers ParseSize accepts, by lower-case name.
var multipliers = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1e3,
	"mb":  1e6,
	"gb":  1e9,
	"tb":  1e12,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
	"tib": 1 << 40,
}

// ParseSize parses a size the way people write it: a decimal number of
// bytes, optionally with a fraction and a unit, with or without a space
// between them. SI units are powers of 1000 and IEC units powers of 1024,
// so "50MB" is 50,000,000 bytes and "48MiB" is 50,331,648; "1.5 GB",
// "1234" and "1234B" (bytes) are accepted too. Case does not matter. A fraction of a byte is
// rounded to the nearest byte. Anything else, such as "-3MB", "50 MB s" or
// "fifty", is an error that says what is accepted.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimLeft(t[i:], " "))
	mult, ok := multipliers[unit]
	if !ok || !validNumber(num) {
		return 0, fmt.Errorf("invalid size %q: %s", s, sizeSyntax)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("invalid size %q: %s", s, sizeSyntax)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	n, _ := new(big.Int).SetString(r.FloatString(0), 10) // rounds half away from zero
	if !n.IsInt64() {
		return 0, fmt.Errorf("invalid size %q: %w of %d bytes", s, errTooLarge, int64(math.MaxInt64))
	}
	return n.Int64(), nil
}

// validNumber reports whether s is digits with at most one decimal point
// and at least one digit.
func validNumber(s string) bool {
	digits, dots := 0, 0
	for _, c := range s {
		switch {
		case c == '.':
			dots++
		case '0' <= c && c <= '9':
			digits++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// FormatSize formats a number of bytes for people: see units.FormatSize.
func FormatSize(n int64) string { return units.FormatSize(n) }
