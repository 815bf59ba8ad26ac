package pkgsize

import (
	"debug/gosym"
	"fmt"
)

// A function is one entry of the pclntab: its size, from its entry to the
// next function's, and the package it belongs to ("" when unknown).
type function struct {
	name string
	size int64
	pkg  string
}

// functions reads the functions of img's pclntab with debug/gosym and
// tells the package of each.
func functions(img *image) ([]function, error) {
	lt := gosym.NewLineTable(img.tab.data, img.textAddr)
	tab, err := gosym.NewTable(nil, lt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errPclntab, err)
	}
	if len(tab.Funcs) != img.tab.nfunc {
		// debug/gosym reports a table it cannot read as one with no
		// functions.
		return nil, fmt.Errorf("%w: debug/gosym reads %d functions of %d", errPclntab, len(tab.Funcs), img.tab.nfunc)
	}
	funcs := make([]function, len(tab.Funcs))
	known := make(map[string]bool)
	for i, fn := range tab.Funcs {
		if fn.End < fn.Entry {
			return nil, fmt.Errorf("%w: function %s ends before it starts", errPclntab, fn.Name)
		}
		funcs[i] = function{name: fn.Name, size: int64(fn.End - fn.Entry), pkg: packagePath(fn.Name)}
		known[funcs[i].pkg] = true
	}
	// Assembly functions local to a file (TEXT name<>) have no package in
	// their name; their source file tells it.
	files := img.tab.entryFiles(func(i int) bool { return funcs[i].pkg == "" })
	for i, file := range files {
		if file != "" {
			funcs[i].pkg = dirPackage(file, known)
		}
	}
	return funcs, nil
}
