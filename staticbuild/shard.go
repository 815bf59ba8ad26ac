package staticbuild

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/magestatic/magestatic/internal/platform"
	"github.com/magestatic/magestatic/staticbuild/artifact"
)

// shardFormat tags a shard manifest.
const shardFormat = "magestatic-shard/1"

// shardManifest is what a shard job writes beside its files, for Merge:
// which part of which release it is.
type shardManifest struct {
	Format    string        `json:"format"`
	Shard     int           `json:"shard"`
	Of        int           `json:"of"`
	Commit    string        `json:"commit"`
	Version   string        `json:"version"`
	Time      string        `json:"time"`
	Config    string        `json:"config"`    // fingerprint of the configuration
	Matrix    []string      `json:"matrix"`    // every platform of the release
	Platforms []string      `json:"platforms"` // this shard's
	Artifacts artifact.List `json:"artifacts"`
}

// shardName is the name of shard i of n's manifest in its directory; it
// names the shard so that several shards downloaded into one directory do
// not overwrite each other's.
func shardName(i, n int) string { return fmt.Sprintf("shard-%d-of-%d.json", i, n) }

// parseShard reads "i/n".
func parseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("shard %q: want i/n with 1 ≤ i ≤ n, such as 2/4", s)
	}
	return i, n, nil
}

// costs weighs each platform by what the builds of targets under the
// configuration c are expected to cost: a pure-Go binary 1, a cgo binary
// 4 (its C code compiles too).
func costs(c Config, targets []*target) map[platform.Platform]int {
	w := map[platform.Platform]int{}
	for _, t := range targets {
		for _, pl := range t.platforms {
			if settingsFor(c, t, pl).Cgo == CgoOff {
				w[pl]++
			} else {
				w[pl] += 4
			}
		}
	}
	return w
}

// split deals the platforms out to n shards, balanced by cost: the most
// expensive first, each to the shard with the least so far (the first of
// those on a tie). Every job of the same commit and configuration computes
// the same split.
func split(pls []platform.Platform, cost map[platform.Platform]int, n int) [][]platform.Platform {
	order := slices.Clone(pls)
	slices.SortStableFunc(order, func(a, b platform.Platform) int {
		return cmp.Or(cmp.Compare(cost[b], cost[a]), cmp.Compare(a.String(), b.String()))
	})
	shards := make([][]platform.Platform, n)
	load := make([]int, n)
	for _, p := range order {
		i := 0
		for j := range load {
			if load[j] < load[i] {
				i = j
			}
		}
		shards[i] = append(shards[i], p)
		load[i] += max(cost[p], 1)
	}
	for _, s := range shards {
		slices.SortFunc(s, func(a, b platform.Platform) int { return cmp.Compare(a.String(), b.String()) })
	}
	return shards
}

// configKey fingerprints the configuration c of the project that
// determines a release's files, the part every shard of a release shares:
// it leaves out what may differ between machines and shards (the fields
// marked json:"-", Dir, Jobs, Shard, MergeFrom), and the output directory,
// which holds the files but does not change them. releaseKey adds what a
// release adds.
func configKey(c Config, project string) string {
	steps := c.Steps
	c.Dir, c.Dist, c.Jobs, c.Shard, c.MergeFrom = "", "", 0, "", ""
	data, _ := json.Marshal(c)
	parts := []string{"config 1", string(data), project}
	for _, s := range steps {
		parts = append(parts, "step", s.Name, s.After, s.Key, strconv.FormatBool(s.Whole))
	}
	return hashStrings(parts...)
}
