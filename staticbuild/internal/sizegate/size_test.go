package sizegate

import (
	"math"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1234", 1234},
		{"1234B", 1234},
		{"1234 b", 1234},
		{"50MB", 50_000_000},
		{"50mb", 50_000_000},
		{"50 MB", 50_000_000},
		{" 50MB ", 50_000_000},
		{"48MiB", 48 << 20},
		{"48 mib", 48 << 20},
		{"1.5 GB", 1_500_000_000},
		{"1.5GiB", 3 << 29},
		{"2kB", 2000},
		{"2KB", 2000},
		{"2KiB", 2048},
		{"1TB", 1e12},
		{"1TiB", 1 << 40},
		{"0.5 KiB", 512},
		{"1.0001 kB", 1000}, // 1000.1 bytes, rounded
		{"1.0005 kB", 1001}, // 1000.5 bytes, half rounded up
		{"9223372036854775807", math.MaxInt64},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{
		"", " ", "50 MB s", "-3MB", "+3MB", "fifty", "MB", "1.2.3MB", ".", "1e6", "1,000",
		"0x10", "50M", "50 k", "50MBB", "5 0MB", "Inf", "NaN", "9223372036854775808",
		"10000000000TB", "1\tMB\x00",
	} {
		n, err := ParseSize(in)
		if err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
			continue
		}
		if !strings.Contains(err.Error(), "such as 1234, 1234B, 50MB, 48MiB or 1.5 GB") && !strings.Contains(err.Error(), "larger than") {
			t.Errorf("ParseSize(%q): error %q does not say what is accepted", in, err)
		}
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{999, "999 B"},
		{1000, "1.0 kB"},
		{1049, "1.0 kB"},
		{1050, "1.1 kB"}, // rounding to even would not matter here
		{12_345_678, "12.3 MB"},
		{999_949, "999.9 kB"},
		{999_950, "1.0 MB"}, // not 1000.0 kB
		{50_000_000, "50.0 MB"},
		{1_500_000_000, "1.5 GB"},
		{-2_100_000, "-2.1 MB"},
		{-5, "-5 B"},
		{math.MaxInt64, "9.2 EB"},
		{math.MinInt64, "-9.2 EB"},
	}
	for _, tt := range tests {
		if got := FormatSize(tt.n); got != tt.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	// What FormatSize prints, ParseSize reads back within the rounding.
	for _, n := range []int64{999, 1000, 123_456, 50_000_000, 48 << 20} {
		got, err := ParseSize(FormatSize(n))
		if err != nil || math.Abs(float64(got-n)) > float64(n)/100 {
			t.Errorf("ParseSize(FormatSize(%d)) = %d, %v", n, got, err)
		}
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		budget, growth string
		want           Limits
	}{
		{"", "", Limits{}},
		{"50MB", "", Limits{Budget: 50_000_000}},
		{"1234", "", Limits{Budget: 1234}}, // a bare budget is bytes
		{"1234B", "", Limits{Budget: 1234}},
		{"", "10%", Limits{MaxGrowthPercent: 10}},
		{"", "2.5 %", Limits{MaxGrowthPercent: 2.5}},
		{"", "2MB", Limits{MaxGrowthBytes: 2_000_000}},
		{"", "10B", Limits{MaxGrowthBytes: 10}},
		{"", "10 b", Limits{MaxGrowthBytes: 10}},
		{"48MiB", "10%,2MB", Limits{Budget: 48 << 20, MaxGrowthPercent: 10, MaxGrowthBytes: 2_000_000}},
		{"48MiB", " 2MiB , 0.5% ", Limits{Budget: 48 << 20, MaxGrowthPercent: 0.5, MaxGrowthBytes: 2 << 20}},
	}
	for _, tt := range tests {
		got, err := ParseLimits(tt.budget, tt.growth)
		if err != nil || got != tt.want {
			t.Errorf("ParseLimits(%q, %q) = %+v, %v; want %+v", tt.budget, tt.growth, got, err, tt.want)
		}
	}
	bad := []struct {
		budget, growth string
		want           []string
	}{
		{"fifty", "", []string{`Budget: invalid size "fifty"`}},
		{"0", "", []string{`Budget "0" is zero: leave it empty`}},
		{"-3MB", "", []string{"such as"}},
		{"", "0%", []string{`MaxGrowth "0%": "0%" is zero: leave MaxGrowth empty for no limit`}},
		{"", "0B", []string{`"0B" is zero`}},
		{"", "10", []string{`MaxGrowth "10": "10" is a bare number: write "10%" for a percentage or "10B" for bytes`}},
		{"", "0", []string{`"0" is a bare number`}},
		{"", "2.5", []string{`write "2.5%" for a percentage or "2.5B" for bytes`}},
		{"", "-10%", []string{`"-10%" is not a percentage`}},
		{"", "ten%", []string{`"ten%" is not a percentage`}},
		{"", "1e3%", []string{`"1e3%" is not a percentage`}},
		{"", "10%,20%", []string{"it has two percentages"}},
		{"", "1MB,2MB", []string{"it has two sizes"}},
		{"", "10%,", []string{"an entry is empty", "10%,2MB"}},
		{"", "10 percent", []string{`"10 percent" is not a percentage or a size`, "10%,2MB"}},
		{"", "10000000000TB", []string{`"10000000000TB" is larger than 9223372036854775807 bytes`}},
		// Every bad entry is named.
		{"", "10,abc", []string{`MaxGrowth "10,abc": "10" is a bare number`, `; "abc" is not a percentage or a size; want a percentage`}},
		{"", "x%,5,0MB,1MB", []string{`"x%" is not a percentage; "5" is a bare number`, `; "0MB" is zero`}},
	}
	for _, tt := range bad {
		_, err := ParseLimits(tt.budget, tt.growth)
		if err == nil {
			t.Errorf("ParseLimits(%q, %q): no error", tt.budget, tt.growth)
			continue
		}
		for _, want := range tt.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("ParseLimits(%q, %q) = %v, want an error saying %q", tt.budget, tt.growth, err, want)
			}
		}
	}
}
