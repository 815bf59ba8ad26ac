package staticbuild

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

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
	if e.sde = get(envSourceDateEpoch); e.sde != "" {
		if err := checkSourceDateEpoch(e.sde); err != nil {
			errs = append(errs, err.Error())
		}
	}
	e.report = get(envReport)
	e.shard, e.merge = get(envShard), get(envMerge)
	e.gh = ghactions.FromEnv(get)
	e.goenv = goEnvFile(vars)
	return e, errs
}

// maxBuildTime is the latest build time, in seconds since 1970, that
// every output records as it is: rpm packages hold the build time and
// their files' dates as unsigned 32-bit seconds, and so do the extended
// timestamps of zip archives (their MS-DOS dates stop at 2107). A later
// time wraps round to 1970 there, while binaries, tar, deb and OCI files
// keep it.
const maxBuildTime = 1<<32 - 1

// beyondLimit says why a build time after maxBuildTime is refused.
var beyondLimit = fmt.Sprintf("later than rpm packages and zip archives can record: they hold unsigned 32-bit seconds, up to %d (%s)",
	int64(maxBuildTime), time.Unix(maxBuildTime, 0).UTC().Format(time.RFC3339))

// checkSourceDateEpoch checks the value of SOURCE_DATE_EPOCH: whole
// seconds since 1970, no later than maxBuildTime. Times before 1980 pass:
// binaries, tar, deb, rpm and OCI files record them, and the archive step
// refuses a zip archive, which cannot.
func checkSourceDateEpoch(v string) error {
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return fmt.Errorf("%s=%q: want whole seconds since 1970-01-01 UTC, such as 1767323045 for 2026-01-02T03:04:05Z", envSourceDateEpoch, v)
	}
	if sec > maxBuildTime {
		return fmt.Errorf("%s=%q is %s, %s: set it to the build time", envSourceDateEpoch, v, time.Unix(sec, 0).UTC().Format(time.RFC3339), beyondLimit)
	}
	return nil
}

// checkCommitTime refuses a commit time, the build time when
// SOURCE_DATE_EPOCH is unset, after maxBuildTime.
func checkCommitTime(t time.Time) error {
	if t.Unix() <= maxBuildTime {
		return nil
	}
	return fmt.Errorf("the commit time of HEAD, %s, is the build time without %s and is %s: set %s to the build time", t.UTC().Format(time.RFC3339), envSourceDateEpoch, beyondLimit, envSourceDateEpoch)
}

// lookup returns the value of k in vars, the last one when it is given
// several times, as the go command reads it; "" when it is unset.
func lookup(vars []string, k string) string {
	v, _ := lookupEnv(vars, k)
	return v
}

// lookupEnv returns the value of k in vars and whether it is set, the
// last value when it is given several times, as the go command reads it.
func lookupEnv(vars []string, k string) (string, bool) {
	v, set := "", false
	for _, kv := range vars {
		if name, val, ok := strings.Cut(kv, "="); ok && name == k {
			v, set = val, true
		}
	}
	return v, set
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
// with the environment vars: the last GOENV, as lookup reads it; an empty
// one is unset.
func goEnvFile(vars []string) string {
	switch v := lookup(vars, "GOENV"); v {
	case "off":
		return ""
	case "":
	default:
		return v
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
