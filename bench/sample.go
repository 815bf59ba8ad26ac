package bench

import (
	"slices"
	"time"
)

// Sample is what one measured run of a tool cost.
type Sample struct {
	Wall time.Duration // elapsed time
	// CPU is the user and system time of the tool's processes and of every
	// descendant they waited for: the whole run's CPU.
	CPU time.Duration
	// PeakRSS is the peak resident set of the largest single process of
	// the run, usually a compile or link, in bytes.
	PeakRSS int64
	// OrchRSS is the orchestrator's own peak resident set in bytes, when
	// the tool reports it (magestatic's driver does); 0 otherwise.
	OrchRSS int64
	// Own is the time the library itself took in-process, when the tool
	// reports it; 0 otherwise.
	Own time.Duration
	// OwnCPU is the CPU time of the orchestrator's process alone, when the
	// tool reports it (magestatic's driver does); 0 otherwise.
	OwnCPU time.Duration `json:",omitempty"`
	// Kinds splits CPU by process kind (see Kinds), when the run was
	// recorded with benchrec; nil otherwise.
	Kinds map[string]time.Duration `json:",omitempty"`
}

// add accumulates s2 into s as a later step of the same run.
func (s Sample) add(s2 Sample) Sample {
	s.Wall += s2.Wall
	s.CPU += s2.CPU
	s.PeakRSS = max(s.PeakRSS, s2.PeakRSS)
	s.OrchRSS = max(s.OrchRSS, s2.OrchRSS)
	s.Own += s2.Own
	s.OwnCPU += s2.OwnCPU
	if s2.Kinds != nil {
		k := make(map[string]time.Duration, len(s.Kinds)+len(s2.Kinds))
		for name, d := range s.Kinds {
			k[name] = d
		}
		for name, d := range s2.Kinds {
			k[name] += d
		}
		s.Kinds = k
	}
	return s
}

// Median returns the sample made of the median of each field; a zero
// Sample for none.
func Median(ss []Sample) Sample {
	field := func(f func(Sample) int64) int64 {
		v := make([]int64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		return median(v)
	}
	m := Sample{
		Wall:    time.Duration(field(func(s Sample) int64 { return int64(s.Wall) })),
		CPU:     time.Duration(field(func(s Sample) int64 { return int64(s.CPU) })),
		PeakRSS: field(func(s Sample) int64 { return s.PeakRSS }),
		OrchRSS: field(func(s Sample) int64 { return s.OrchRSS }),
		Own:     time.Duration(field(func(s Sample) int64 { return int64(s.Own) })),
		OwnCPU:  time.Duration(field(func(s Sample) int64 { return int64(s.OwnCPU) })),
	}
	// The median of each kind over the samples that have kinds.
	var kinded []Sample
	for _, s := range ss {
		if s.Kinds != nil {
			kinded = append(kinded, s)
		}
	}
	if len(kinded) > 0 {
		m.Kinds = map[string]time.Duration{}
		for _, kind := range Kinds {
			v := make([]int64, len(kinded))
			for i, s := range kinded {
				v[i] = int64(s.Kinds[kind])
			}
			m.Kinds[kind] = time.Duration(median(v))
		}
	}
	return m
}

// Spread returns the least and the greatest of one field of ss, such as
// the wall or the CPU time.
func Spread(ss []Sample, of func(Sample) time.Duration) (lo, hi time.Duration) {
	for i, s := range ss {
		if d := of(s); i == 0 || d < lo {
			lo = d
		}
		if d := of(s); d > hi {
			hi = d
		}
	}
	return lo, hi
}

// median returns the middle value, or the mean of the two middle ones; 0
// for none.
func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
