package pkgsize

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The pclntab magic numbers this package reads (internal/abi).
const (
	go118Magic = 0xfffffff0 // Go 1.18 and 1.19
	go120Magic = 0xfffffff1 // Go 1.20 and later
)

// funcSize is the size of the fixed part of a _func record
// (runtime/runtime2.go), which pcdata and funcdata offsets follow.
const funcSize = 44

// Offsets of _func fields used here.
const (
	funcNameOff  = 4
	funcPcfile   = 20
	funcNpcdata  = 28
	funcCuOffset = 32
)

// A table is a Go 1.18+ pclntab (runtime/symtab.go: pcHeader and what
// follows) that checkPclntab has checked.
type table struct {
	data    []byte // the whole table
	order   binary.ByteOrder
	ptrSize int
	nfunc   int
	// Offsets in data of the parts of the table.
	funcnametab, cutab, filetab, pctab, functab int
}

// errPclntab is wrapped by every error about a malformed pclntab.
var errPclntab = errors.New("malformed pclntab")

// checkPclntab checks that data starts with a Go 1.18+ pclntab for the
// given byte order and pointer size, whose every part lies inside data,
// and returns it, cut to its end. Whatever debug/gosym later allocates is
// then bounded by the size of the table, which is bounded by the file's.
func checkPclntab(data []byte, order binary.ByteOrder, ptrSize int) (*table, error) {
	t, err := parseHeader(data, order, ptrSize)
	if err != nil {
		return nil, err
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// maxCandidates is how many candidates with a plausible header
// scanPclntab checks in full, each in time linear in its size, before it
// gives up: a file can hold many copies of a header.
const maxCandidates = 8

// scanPclntab finds a pclntab inside data, such as a PE file's .rdata
// section, by its magic number. A candidate counts only if its pointer
// size is ptrSize and checkPclntab accepts it.
func scanPclntab(data []byte, order binary.ByteOrder, ptrSize int) (*table, error) {
	var firstErr error
	checked := 0
	for _, magic := range []uint32{go120Magic, go118Magic} {
		// The magic number, then two zero bytes.
		pat := make([]byte, 6)
		order.PutUint32(pat, magic)
		for off := 0; off < len(data); {
			i := bytes.Index(data[off:], pat)
			if i < 0 {
				break
			}
			start := off + i
			off = start + 1
			if start+8 > len(data) || data[start+7] != byte(ptrSize) {
				continue
			}
			t, err := parseHeader(data[start:], order, ptrSize)
			if err == nil {
				if checked++; checked > maxCandidates {
					return nil, fmt.Errorf("%w: more than %d candidates", ErrNoPclntab, maxCandidates)
				}
				if err = t.check(); err == nil {
					return t, nil
				}
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if firstErr != nil {
		return nil, fmt.Errorf("%w: the only candidates are invalid: %w", ErrNoPclntab, firstErr)
	}
	return nil, ErrNoPclntab
}

// parseHeader decodes and checks the fixed header at the start of data.
func parseHeader(data []byte, order binary.ByteOrder, ptrSize int) (*table, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: %d bytes is too short for a header", errPclntab, len(data))
	}
	switch magic := order.Uint32(data); magic {
	case go118Magic, go120Magic:
	default:
		other := binary.ByteOrder(binary.BigEndian)
		if order == binary.BigEndian {
			other = binary.LittleEndian
		}
		if m := other.Uint32(data); m == go118Magic || m == go120Magic {
			return nil, fmt.Errorf("%w: byte order differs from the file's", errPclntab)
		}
		if magic&0xfffffff0 == 0xfffffff0 {
			return nil, fmt.Errorf("%w: unsupported version %#x (this package reads Go 1.18 and later)", errPclntab, magic)
		}
		return nil, fmt.Errorf("%w: bad magic number %#x", errPclntab, magic)
	}
	if data[4] != 0 || data[5] != 0 {
		return nil, fmt.Errorf("%w: bad header padding", errPclntab)
	}
	if q := data[6]; q != 1 && q != 2 && q != 4 {
		return nil, fmt.Errorf("%w: bad pc quantum %d", errPclntab, q)
	}
	if int(data[7]) != ptrSize {
		return nil, fmt.Errorf("%w: pointer size %d, want %d", errPclntab, data[7], ptrSize)
	}
	if len(data) < 8+8*ptrSize {
		return nil, fmt.Errorf("%w: %d bytes is too short for a header", errPclntab, len(data))
	}
	word := func(i int) uint64 {
		b := data[8+i*ptrSize:]
		if ptrSize == 4 {
			return uint64(order.Uint32(b))
		}
		return order.Uint64(b)
	}
	// Words: nfunc, nfiles, (unused) textStart, then the offsets of
	// funcnametab, cutab, filetab, pctab and the functab. Each function
	// takes at least 8 bytes of the table, each file name 1.
	size := uint64(len(data))
	nfunc, nfiles := word(0), word(1)
	if nfunc == 0 {
		return nil, fmt.Errorf("%w: no functions", errPclntab)
	}
	if nfunc > size/8 || nfiles > size {
		return nil, fmt.Errorf("%w: %d functions and %d files do not fit in %d bytes", errPclntab, nfunc, nfiles, size)
	}
	t := &table{data: data, order: order, ptrSize: ptrSize, nfunc: int(nfunc)}
	for i, p := range []*int{&t.funcnametab, &t.cutab, &t.filetab, &t.pctab, &t.functab} {
		v := word(3 + i)
		if v > size {
			return nil, fmt.Errorf("%w: header word %d (%d) is past the end of the table (%d bytes)", errPclntab, 3+i, v, size)
		}
		*p = int(v)
	}
	if int(nfiles) > len(data)-t.filetab {
		return nil, fmt.Errorf("%w: %d files do not fit in the file table", errPclntab, nfiles)
	}
	return t, nil
}

// check walks the function table, checks that every entry, _func record
// and name lies inside the table, and cuts t.data to the table's end.
func (t *table) check() error {
	fdata := t.data[t.functab:]
	// The functab is nfunc+1 (pc offset, func offset) pairs of uint32, the
	// last holding only the end pc.
	if t.nfunc > (len(fdata)-4)/8 {
		return fmt.Errorf("%w: %d functions do not fit in the table", errPclntab, t.nfunc)
	}
	names := t.data[t.funcnametab:]
	end := 8*t.nfunc + 4
	nameBytes := 0
	var prev uint32
	for i := 0; i < t.nfunc; i++ {
		pc := t.order.Uint32(fdata[8*i:])
		if pc < prev {
			return fmt.Errorf("%w: function %d starts before function %d", errPclntab, i, i-1)
		}
		prev = pc
		off := int(t.order.Uint32(fdata[8*i+4:]))
		if off > len(fdata)-funcSize {
			return fmt.Errorf("%w: function %d: record at %d is past the end of the table", errPclntab, i, off)
		}
		rec := fdata[off:]
		nameOff := int(t.order.Uint32(rec[funcNameOff:]))
		if nameOff >= len(names) {
			return fmt.Errorf("%w: function %d: name at %d is past the end of the table", errPclntab, i, nameOff)
		}
		n := bytes.IndexByte(names[nameOff:], 0)
		if n < 0 {
			return fmt.Errorf("%w: function %d: unterminated name", errPclntab, i)
		}
		// Names are stored once each; a total above the table's size can
		// only come from names that overlap, and would cost memory
		// quadratic in the table's size once copied out.
		nameBytes += n
		if nameBytes > len(t.data) {
			return fmt.Errorf("%w: function names overlap", errPclntab)
		}
		npcdata := int(t.order.Uint32(rec[funcNpcdata:]))
		nfuncdata := int(rec[funcSize-1])
		if npcdata > (len(fdata)-off-funcSize)/4 || off+funcSize+4*(npcdata+nfuncdata) > len(fdata) {
			return fmt.Errorf("%w: function %d: record at %d is past the end of the table", errPclntab, i, off)
		}
		end = max(end, off+funcSize+4*(npcdata+nfuncdata))
	}
	if last := t.order.Uint32(fdata[8*t.nfunc:]); last < prev {
		return fmt.Errorf("%w: end of text before the last function", errPclntab)
	}
	end += t.functab
	if r := end % t.ptrSize; r != 0 && end+t.ptrSize-r <= len(t.data) {
		end += t.ptrSize - r
	}
	t.data = t.data[:end]
	return nil
}

// maxFileName bounds the length of a source file name that entryFiles
// reads; longer ones are unknown.
const maxFileName = 4096

// entryFiles returns, for each function of the table in which want is
// true, the source file it starts in, or "" if the table does not tell.
// It reads only the first entry of each function's file table (the one
// for its entry pc) and caches names, so its work is linear in the size of
// the table, where debug/gosym's PCToLine, which decodes a function's
// tables up to the pc, can be made quadratic by a hostile file.
func (t *table) entryFiles(want func(i int) bool) []string {
	files := make([]string, t.nfunc)
	names := make(map[uint32]string)
	// What may be scanned and copied of file names in all: names that
	// overlap cost no more than the table's size.
	budget := len(t.data)
	fdata := t.data[t.functab:]
	for i := range files {
		if !want(i) {
			continue
		}
		rec := fdata[t.order.Uint32(fdata[8*i+4:]):] // checked by check
		pcfile := int(t.order.Uint32(rec[funcPcfile:]))
		cu := uint64(t.order.Uint32(rec[funcCuOffset:]))
		fno, ok := t.firstValue(pcfile)
		if !ok {
			continue
		}
		idx := t.cutab + 4*int(cu+uint64(fno))
		if idx < t.cutab || idx > len(t.data)-4 {
			continue
		}
		off := t.order.Uint32(t.data[idx:])
		if name, ok := names[off]; ok {
			files[i] = name
			continue
		}
		if start := t.filetab + int(off); off != math.MaxUint32 && start < len(t.data) && budget > 0 {
			b := t.data[start:min(len(t.data), start+maxFileName, start+budget)]
			n := bytes.IndexByte(b, 0)
			if n >= 0 {
				files[i] = string(b[:n])
			}
			budget -= len(b)
			if n >= 0 {
				budget += len(b) - n - 1
			}
		}
		names[off] = files[i]
	}
	return files
}

// firstValue returns the value of the pc-value table at offset off in
// pctab for the function's entry pc: the first delta, from -1, as
// debug/gosym's pcvalue decodes it. Tables whose first step does not
// advance the pc are not read further.
func (t *table) firstValue(off int) (uint32, bool) {
	start := t.pctab + off
	if off == 0 || start < t.pctab || start >= len(t.data) {
		return 0, false
	}
	p := t.data[start:]
	uvdelta, n := binary.Uvarint(p)
	if n <= 0 || uvdelta == 0 || uvdelta > math.MaxUint32 {
		return 0, false
	}
	pcdelta, m := binary.Uvarint(p[n:])
	if m <= 0 || pcdelta == 0 {
		return 0, false
	}
	var delta int64
	if uvdelta&1 != 0 {
		delta = -int64(uvdelta>>1) - 1
	} else {
		delta = int64(uvdelta >> 1)
	}
	v := -1 + delta
	if v < 0 || v > math.MaxInt32 {
		return 0, false
	}
	return uint32(v), true
}
