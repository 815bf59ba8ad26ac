package staticbuild

import (
	"cmp"
	"slices"

	"github.com/magestatic/magestatic/internal/platform"
)

// settings are the build settings of one binary on one platform.
type settings struct {
	Tags, Flags, Ldflags, Env []string
	Gcflags                   string
	Cgo                       CgoMode
	CC, CXX                   string
	Budget                    string
	Stamp                     Stamp
}

// settingsFor merges the project's settings, those of the platform's GOOS,
// of the platform without and with its variant, and the binary's own:
// lists add up in that order; Cgo and Budget come from the binary when it
// sets them, else from the most specific platform entry, else from the
// project of the configuration c.
func settingsFor(c Config, t *target, pl platform.Platform) settings {
	s := settings{
		Tags:    slices.Clone(c.Tags),
		Flags:   slices.Clone(c.Flags),
		Ldflags: slices.Clone(c.Ldflags),
		Env:     slices.Clone(c.Env),
		Gcflags: c.Gcflags,
		Cgo:     c.Cgo,
		Budget:  c.Size.Budget,
		Stamp:   c.Stamp,
	}
	keys := []string{pl.OS, pl.Pair()}
	if pl.Variant != "" {
		keys = append(keys, pl.String())
	}
	for _, key := range keys {
		o, ok := c.Platform[key]
		if !ok {
			continue
		}
		s.Tags = append(s.Tags, o.Tags...)
		s.Flags = append(s.Flags, o.Flags...)
		s.Ldflags = append(s.Ldflags, o.Ldflags...)
		s.Env = append(s.Env, o.Env...)
		s.Cgo = cmp.Or(o.Cgo, s.Cgo)
		s.CC = cmp.Or(o.CC, s.CC)
		s.CXX = cmp.Or(o.CXX, s.CXX)
		s.Budget = cmp.Or(o.Budget, s.Budget)
	}
	b := t.Binary
	s.Tags = append(s.Tags, b.Tags...)
	s.Flags = append(s.Flags, b.Flags...)
	s.Ldflags = append(s.Ldflags, b.Ldflags...)
	s.Env = append(s.Env, b.Env...)
	s.Cgo = cmp.Or(b.Cgo, s.Cgo, CgoOff)
	s.Budget = cmp.Or(b.Budget, s.Budget)
	s.Stamp.Version = append(slices.Clone(s.Stamp.Version), b.Stamp.Version...)
	s.Stamp.Commit = append(slices.Clone(s.Stamp.Commit), b.Stamp.Commit...)
	s.Stamp.Time = append(slices.Clone(s.Stamp.Time), b.Stamp.Time...)
	return s
}
