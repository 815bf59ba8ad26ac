package pkgsize

import (
	"os"
	"testing"
)

// BenchmarkRead reads a stripped binary of more than 10 MB built from much
// of the standard library (testdata/big).
func BenchmarkRead(b *testing.B) {
	for _, p := range platforms {
		b.Run(p.name, func(b *testing.B) {
			path := build(b, target{"testdata/big", p.goos, p.goarch, true, false})
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			if st.Size() < 10<<20 {
				b.Fatalf("%s is %d bytes, want 10 MB or more", path, st.Size())
			}
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
