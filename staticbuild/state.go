package staticbuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/magestatic/magestatic/staticbuild/artifact"
	"github.com/magestatic/magestatic/staticbuild/internal/archive"
	"github.com/magestatic/magestatic/staticbuild/internal/atomicfile"
	"github.com/magestatic/magestatic/staticbuild/internal/stamp"
)

// stateName is the file in the output directory where a run records what
// it produced from which inputs, so the next run can skip work that would
// give the same bytes. It is not part of a release.
const stateName = ".state.json"

// state is what stateName holds.
type state struct {
	learned
	// Files maps a file's path in the output directory to the key of the
	// inputs that produced it and what it looked like then.
	Files map[string]fileState `json:"files"`
	// Release is the key of the last complete release.
	Release string `json:"release,omitempty"`
	// Published lists the files of the last complete release besides
	// the binaries, so that the next release removes those it does not
	// write again.
	Published []string `json:"published,omitempty"`
	// Released maps each version released from this directory to its
	// files' checksums, so that a version is never published again with
	// other bytes by accident.
	Released map[string]map[string]string `json:"released,omitempty"`
	// Versions records, for each version Released lists, what a refusal
	// to publish it again needs besides the checksums: the commit it was
	// published from, what each file is, and its checksum files.
	Versions map[string]*versionRecord `json:"versions,omitempty"`

	mu        sync.Mutex // guards Files in current, which steps call in parallel
	refreshed bool       // current vouched anew for a file, or git's memo is new: the state is worth writing
}

// learned is what a run learns from the go command and git before it
// takes the lock on dist/, kept when it reads the state again under the
// lock.
type learned struct {
	// Mains caches what go list said about the main packages, by the key
	// of the inputs it was asked with and by that of their shape (see
	// mainInfos).
	MainsKey   string     `json:"mainsKey,omitempty"`
	MainsShape string     `json:"mainsShape,omitempty"`
	Mains      []mainInfo `json:"mains,omitempty"`
	// Toolchain caches what the go command said about itself.
	Toolchain *toolchain `json:"toolchain,omitempty"`
	// Stamp caches what git said about the source besides git status.
	Stamp *stamp.Memo `json:"stamp,omitempty"`
}

// versionRecord is what the state records of a released version besides
// the checksums of its files.
type versionRecord struct {
	// Commit is the commit the version was last published from.
	Commit string `json:"commit,omitempty"`
	// Files describes each file Released records for the version.
	Files map[string]releasedFile `json:"files,omitempty"`
	// Checksums maps the path of each checksum file of the version to
	// the SHA-256 of every one published: one per set of files the
	// version was published with (under other archive names, say).
	Checksums map[string][]string `json:"checksums,omitempty"`
}

// releasedFile is what a released file is, so that a refusal can say
// which platforms and kinds of file a release adds or drops.
type releasedFile struct {
	Kind     artifact.Kind `json:"kind"`
	Binary   string        `json:"binary,omitempty"`
	Platform string        `json:"platform,omitempty"`
}

type fileState struct {
	Key   string `json:"key"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime"`
	// SHA256 is the file's checksum when it was put in place, so that a
	// file whose bytes changed with its size and time kept (a flipped
	// bit, a copy that restores times) is never taken for current.
	SHA256 string `json:"sha256,omitempty"`
	// Inode and CTime identify the file where the system records them,
	// and Seen is when it was recorded (all in nanoseconds): see current.
	Inode uint64 `json:"inode,omitempty"`
	CTime int64  `json:"ctime,omitempty"`
	Seen  int64  `json:"seen,omitempty"`
}

// stateFile is what stateName holds: the state and the SHA-256 of its
// compact JSON, so that a damaged file (a flipped byte that still parses)
// is never taken for a state.
type stateFile struct {
	SHA256 string          `json:"sha256"`
	State  json.RawMessage `json:"state"`
}

// readState reads the state of the output directory; a missing, unreadable
// or damaged state is an empty one, which only means more work.
func readState(dist string) *state {
	s := &state{}
	if data, err := os.ReadFile(filepath.Join(dist, stateName)); err == nil {
		if body, ok := stateBody(data); ok && json.Unmarshal(body, s) != nil {
			s = &state{}
		}
	}
	if s.Files == nil {
		s.Files = map[string]fileState{}
	}
	return s
}

// stateBody returns the state JSON of a state file whose checksum holds.
func stateBody(data []byte) ([]byte, bool) {
	var f stateFile
	var body bytes.Buffer
	if json.Unmarshal(data, &f) != nil || json.Compact(&body, f.State) != nil {
		return nil, false
	}
	sum := sha256.Sum256(body.Bytes())
	return body.Bytes(), hex.EncodeToString(sum[:]) == f.SHA256
}

// write saves the state; failing to is not an error, only a lost shortcut.
func (s *state) write(dist string) {
	body, err := json.Marshal(s)
	if err != nil {
		return
	}
	sum := sha256.Sum256(body)
	data, err := json.MarshalIndent(stateFile{SHA256: hex.EncodeToString(sum[:]), State: body}, "", "  ")
	if err == nil {
		atomicfile.WriteFile(filepath.Join(dist, stateName), data)
	}
}

// remember records the files of list, the manifest found in the output
// directory, as released when it is a release's (it has archives), not a
// snapshot's: after the state file was lost, the manifest is all that
// remembers them, and a cross or build is about to replace it. What the
// state already records of a file wins.
func (s *state) remember(list artifact.List) {
	if len(list.Of(artifact.Archive)) == 0 || strings.HasSuffix(list[0].Version, snapshotSuffix) {
		return
	}
	s.addRelease(list[0].Version, list, false)
}

// addRelease records the files of list, a release of version, besides
// binaries, as released, with the commit they were made from; overwrite
// replaces what the state records of a file and of the commit. The files
// of the version released before under other names or for other platforms
// stay recorded, so that none of them is published again with other bytes
// either, and so do its earlier checksum files, one per set of files.
func (s *state) addRelease(version string, list artifact.List, overwrite bool) {
	if s.Released == nil {
		s.Released = map[string]map[string]string{}
	}
	if s.Versions == nil {
		s.Versions = map[string]*versionRecord{}
	}
	sums := s.Released[version]
	if sums == nil {
		sums = map[string]string{}
		s.Released[version] = sums
	}
	v := s.Versions[version]
	if v == nil {
		v = &versionRecord{}
		s.Versions[version] = v
	}
	if v.Files == nil {
		v.Files = map[string]releasedFile{}
	}
	if v.Checksums == nil {
		v.Checksums = map[string][]string{}
	}
	for _, a := range list {
		if a.Commit != "" && (overwrite || v.Commit == "") {
			v.Commit = a.Commit
		}
		switch a.Kind {
		case artifact.Binary:
			continue
		case artifact.Checksums:
			if !slices.Contains(v.Checksums[a.Path], a.SHA256) {
				v.Checksums[a.Path] = append(v.Checksums[a.Path], a.SHA256)
			}
			continue
		}
		if _, ok := sums[a.Path]; overwrite || !ok {
			sums[a.Path] = a.SHA256
		}
		if _, ok := v.Files[a.Path]; overwrite || !ok {
			v.Files[a.Path] = releasedFile{Kind: a.Kind, Binary: a.Binary, Platform: a.Platform}
		}
	}
}

// publishedFiles returns the files the state records for version, its
// archives first, each group sorted.
func (s *state) publishedFiles(version string) []string {
	var archives, rest []string
	for _, p := range slices.Sorted(maps.Keys(s.Released[version])) {
		if v := s.Versions[version]; v != nil && v.Files[p].Kind == artifact.Archive {
			archives = append(archives, p)
		} else {
			rest = append(rest, p)
		}
	}
	return append(archives, rest...)
}

// record notes that the file at rel (relative to dist) was made from key.
func (s *state) record(dist, rel, key string) {
	fi, err := os.Stat(filepath.Join(dist, filepath.FromSlash(rel)))
	if err != nil {
		delete(s.Files, rel)
		return
	}
	f := fileState{Key: key, Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Seen: time.Now().UnixNano()}
	f.Inode, f.CTime, _ = fileID(fi)
	s.Files[rel] = f
}

// setSum notes the checksum of the file recorded at rel.
func (s *state) setSum(rel, sum string) {
	if f, ok := s.Files[rel]; ok {
		f.SHA256 = sum
		s.Files[rel] = f
	}
}

// current reports whether the file at rel is still the one made from key:
// same size and time, and the same bytes. The bytes are read again only
// when the file system cannot vouch for them, as git's index decides:
// where it records an inode and a change time (which every write, and
// every change of the modification time, moves), a file with the same
// size, modification time, inode and change time as when it was recorded
// is the same file, unless its change time is so close to the moment it
// was recorded that a write in the same tick could have gone unseen (the
// racy case). Elsewhere (Windows), the bytes are always read.
func (s *state) current(dist, rel, key string) bool {
	s.mu.Lock()
	f, ok := s.Files[rel]
	s.mu.Unlock()
	if !ok || f.Key != key || f.SHA256 == "" {
		return false
	}
	name := filepath.Join(dist, filepath.FromSlash(rel))
	fi, err := os.Stat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != f.Size || fi.ModTime().UnixNano() != f.MTime {
		return false
	}
	ino, ctime, stat := fileID(fi)
	if stat && f.CTime != 0 && ino == f.Inode && ctime == f.CTime && ctime < f.Seen-racyWindow {
		return true
	}
	sum, err := archive.SHA256File(name)
	if err != nil || sum != f.SHA256 {
		return false
	}
	// The bytes are the recorded ones: when the file's last change is
	// now far enough in the past, the stat vouches for it from now on.
	if now := time.Now().UnixNano(); stat && ctime < now-racyWindow {
		f.Inode, f.CTime, f.Seen = ino, ctime, now
		s.mu.Lock()
		s.Files[rel] = f
		s.refreshed = true
		s.mu.Unlock()
	}
	return true
}

// racyWindow is how long before its recording a file's last change must
// be for the stat to vouch for its bytes: more than the coarsest
// timestamp granularity of the file systems in use (FAT's 2 s).
const racyWindow = int64(2 * time.Second)
