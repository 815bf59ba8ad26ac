package sizegate

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limits are the size limits of one binary. A zero field sets no limit.
//
// When both growth limits are set, each applies: the binary fails when it
// grows by more than MaxGrowthPercent or by more than MaxGrowthBytes.
type Limits struct {
	Budget           int64   // absolute limit on the file size, in bytes
	MaxGrowthPercent float64 // limit on the growth over the baseline, in percent of it
	MaxGrowthBytes   int64   // limit on the growth over the baseline, in bytes
}

// growthSyntax says what ParseLimits accepts for the growth limit.
const growthSyntax = "want a percentage, a size, or both separated by a comma, such as 10%, 2MB, 4096B or 10%,2MB"

// ParseLimits parses a budget, written as ParseSize accepts, and a growth
// limit: a percentage such as "10%" or "2.5%", a size such as "2MB" or
// "4096B", or both separated by a comma ("10%,2MB"). An empty string sets
// no limit. A bare number is bytes in a budget but an error in a growth
// limit, where it could mean either. Zero is an error rather than a silent
// "no limit"; the smallest limits are "1B" and a small percentage. The
// error for a growth limit names every entry that is wrong.
func ParseLimits(budget, maxGrowth string) (Limits, error) {
	var l Limits
	if strings.TrimSpace(budget) != "" {
		n, err := ParseSize(budget)
		if err != nil {
			return Limits{}, fmt.Errorf("Budget: %w", err)
		}
		if n == 0 {
			return Limits{}, fmt.Errorf("Budget %q is zero: leave it empty for no budget", budget)
		}
		l.Budget = n
	}
	if strings.TrimSpace(maxGrowth) == "" {
		return l, nil
	}
	var bad []string
	percents, sizes := 0, 0
	for _, part := range strings.Split(maxGrowth, ",") {
		part = strings.TrimSpace(part)
		if pct, ok := strings.CutSuffix(part, "%"); ok {
			pct = strings.TrimSpace(pct)
			p, err := strconv.ParseFloat(pct, 64)
			switch {
			case err != nil || !validNumber(pct) || math.IsInf(p, 0):
				bad = append(bad, fmt.Sprintf("%q is not a percentage", part))
			case p == 0:
				bad = append(bad, fmt.Sprintf("%q is zero: leave MaxGrowth empty for no limit", part))
			default:
				l.MaxGrowthPercent = p
				percents++
			}
			continue
		}
		if part == "" {
			bad = append(bad, "an entry is empty")
			continue
		}
		if validNumber(part) {
			bad = append(bad, fmt.Sprintf("%q is a bare number: write %q for a percentage or %q for bytes", part, part+"%", part+"B"))
			continue
		}
		n, err := ParseSize(part)
		switch {
		case errors.Is(err, errTooLarge):
			bad = append(bad, fmt.Sprintf("%q is larger than %d bytes", part, int64(math.MaxInt64)))
		case err != nil:
			bad = append(bad, fmt.Sprintf("%q is not a percentage or a size", part))
		case n == 0:
			bad = append(bad, fmt.Sprintf("%q is zero: leave MaxGrowth empty for no limit", part))
		default:
			l.MaxGrowthBytes = n
			sizes++
		}
	}
	if percents > 1 {
		bad = append(bad, "it has two percentages")
	}
	if sizes > 1 {
		bad = append(bad, "it has two sizes")
	}
	if len(bad) > 0 {
		return Limits{}, fmt.Errorf("MaxGrowth %q: %s; %s", maxGrowth, strings.Join(bad, "; "), growthSyntax)
	}
	return l, nil
}
