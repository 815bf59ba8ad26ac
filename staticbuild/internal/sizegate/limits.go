package sizegate

import (
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
const growthSyntax = "want a percentage, a size, or both separated by a comma, such as 10%, 2MB or 10%,2MB"

// ParseLimits parses a budget, written as ParseSize accepts, and a growth
// limit: a percentage such as "10%" or "2.5%", a size such as "2MB", or
// both separated by a comma ("10%,2MB"). An empty string sets no limit.
// Zero is an error rather than a silent "no limit"; the smallest limits
// are "1B" and a small percentage.
func ParseLimits(budget, maxGrowth string) (Limits, error) {
	var l Limits
	if strings.TrimSpace(budget) != "" {
		n, err := ParseSize(budget)
		if err != nil {
			return Limits{}, fmt.Errorf("budget: %w", err)
		}
		if n == 0 {
			return Limits{}, fmt.Errorf("budget %q is zero: leave it empty for no budget", budget)
		}
		l.Budget = n
	}
	if strings.TrimSpace(maxGrowth) == "" {
		return l, nil
	}
	for _, part := range strings.Split(maxGrowth, ",") {
		part = strings.TrimSpace(part)
		if pct, ok := strings.CutSuffix(part, "%"); ok {
			if l.MaxGrowthPercent != 0 {
				return Limits{}, fmt.Errorf("growth limit %q: two percentages; %s", maxGrowth, growthSyntax)
			}
			p, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
			if err != nil || !validNumber(strings.TrimSpace(pct)) || math.IsInf(p, 0) {
				return Limits{}, fmt.Errorf("growth limit %q: bad percentage %q; %s", maxGrowth, part, growthSyntax)
			}
			if p == 0 {
				return Limits{}, fmt.Errorf("growth limit %q is zero: leave it empty for no limit", maxGrowth)
			}
			l.MaxGrowthPercent = p
			continue
		}
		if l.MaxGrowthBytes != 0 {
			return Limits{}, fmt.Errorf("growth limit %q: two sizes; %s", maxGrowth, growthSyntax)
		}
		n, err := ParseSize(part)
		if err != nil {
			return Limits{}, fmt.Errorf("growth limit %q: %w; %s", maxGrowth, err, growthSyntax)
		}
		if n == 0 {
			return Limits{}, fmt.Errorf("growth limit %q is zero: leave it empty for no limit", maxGrowth)
		}
		l.MaxGrowthBytes = n
	}
	return l, nil
}
