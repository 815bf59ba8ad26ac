package staticbuild

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/magestatic/magestatic/staticbuild/internal/ghactions"
)

// environ is what a run reads from its environment, read once by New.
type environ struct {
	vars      []string // every variable, for the go command
	platforms []string // envPlatforms, split; nil when unset
	jobs      int      // envJobs; 0 when unset
	snapshot  bool     // envSnapshot
	cache     string   // envCache, else the default directory; "" when off
	sde       string   // SOURCE_DATE_EPOCH
	goenv     string   // the go command's env file; "" when off
	report    string   // envReport
	shard     string   // envShard
	merge     string   // envMerge
	gh        ghactions.Env
}

// readEnviron reads the overrides from vars, naming every one written
// wrong.
func readEnviron(vars []string, cfg Config) (environ, []string) {
	e := environ{vars: vars}
	get := func(k string) string { return lookup(vars, k) }
	var errs []string
	if v := get(envPlatforms); strings.TrimSpace(v) != "" {
		for i, s := range strings.Split(v, ",") {
			if strings.TrimSpace(s) == "" {
				errs = append(errs, fmt.Sprintf("%s=%q: entry %d is empty: write platforms separated by single commas, such as linux/amd64,linux/arm64", envPlatforms, v, i+1))
				continue
			}
			if strings.TrimSpace(s) != s {
				errs = append(errs, fmt.Sprintf("%s=%q: entry %q has spaces around it: write platforms separated by single commas, without spaces", envPlatforms, v, s))
				continue
			}
			e.platforms = append(e.platforms, s)
		}
	}
	if v := get(envJobs); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Sprintf("%s=%q: want a whole number of at least 1", envJobs, v))
		}
		e.jobs = n
	}
	switch v := get(envSnapshot); v {
	case "", "0", "false":
	case "1", "true":
		e.snapshot = true
	default:
		errs = append(errs, fmt.Sprintf("%s=%q: want 1 or true (or 0, false)", envSnapshot, v))
	}
	e.cache = cfg.Cache
	if v := get(envCache); v != "" {
		e.cache = v
	}
	switch e.cache {
	case "off":
		e.cache = ""
	case "":
		if base := userCacheDir(vars); base != "" {
			e.cache = filepath.Join(base, "magestatic", "bin")
		}
	}
	e.sde = get(envSourceDateEpoch)
	e.report = get(envReport)
	e.shard, e.merge = get(envShard), get(envMerge)
	e.gh = ghactions.FromEnv(get)
	e.goenv = goEnvFile(vars)
	return e, errs
}

// lookup returns the value of k in vars, the last one when it is given
// several times, as the go command reads it.
func lookup(vars []string, k string) string {
	v := ""
	for _, kv := range vars {
		if name, val, ok := strings.Cut(kv, "="); ok && name == k {
			v = val
		}
	}
	return v
}

// userCacheDir is os.UserCacheDir for the environment vars.
func userCacheDir(vars []string) string {
	home := lookup(vars, "HOME")
	switch runtime.GOOS {
	case "windows":
		return lookup(vars, "LocalAppData")
	case "darwin", "ios":
		if home != "" {
			return filepath.Join(home, "Library", "Caches")
		}
		return ""
	}
	if d := lookup(vars, "XDG_CACHE_HOME"); filepath.IsAbs(d) {
		return d
	}
	if home != "" {
		return filepath.Join(home, ".cache")
	}
	return ""
}

// goEnvFile returns the go command's env file, as "go env GOENV" would
// with the environment vars.
func goEnvFile(vars []string) string {
	for _, kv := range vars {
		if v, ok := strings.CutPrefix(kv, "GOENV="); ok {
			if v == "off" {
				return ""
			}
			return v
		}
	}
	home := lookup(vars, "HOME")
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = lookup(vars, "AppData")
	case "darwin", "ios":
		if home != "" {
			dir = filepath.Join(home, "Library", "Application Support")
		}
	default:
		dir = lookup(vars, "XDG_CONFIG_HOME")
		if !filepath.IsAbs(dir) && home != "" {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "go", "env")
}
