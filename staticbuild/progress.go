package staticbuild

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// progress shows what is building. On a terminal it keeps a status line
// (what is building, how many are done, the time so far) under the
// per-binary lines; elsewhere, such as in a CI log, it prints a line when
// each build starts.
type progress struct {
	r        *Run
	total    int
	start0   time.Time
	tty      bool
	mu       sync.Mutex
	running  []string
	finished int
	shown    bool
	quit     chan struct{}
	wg       sync.WaitGroup
}

func newProgress(r *Run, total int) *progress {
	p := &progress{r: r, total: total, start0: time.Now(), tty: isTerminal(r.log), quit: make(chan struct{})}
	if p.tty && total > 0 {
		p.wg.Add(1)
		go p.tick()
	}
	return p
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) tick() {
	defer p.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.mu.Lock()
			p.status()
			p.mu.Unlock()
		}
	}
}

// status redraws the status line; p.mu is held.
func (p *progress) status() {
	line := fmt.Sprintf("building %d of %d, %d done, %s: %s", len(p.running), p.total, p.finished,
		time.Since(p.start0).Round(time.Second), strings.Join(p.running, ", "))
	if len(line) > 100 {
		line = line[:97] + "..."
	}
	p.r.Logf("\r\033[K%s", line)
	p.shown = true
}

// clear removes the status line; p.mu is held.
func (p *progress) clear() {
	if p.shown {
		p.r.Logf("\r\033[K")
		p.shown = false
	}
}

func (p *progress) start(label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = append(p.running, label)
	if !p.tty {
		p.r.Logf("  start %s\n", label)
	}
}

func (p *progress) done(label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.running, label); i >= 0 {
		p.running = slices.Delete(p.running, i, i+1)
	}
	p.finished++
}

// printf prints a line above the status line.
func (p *progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	p.r.Logf(format, args...)
}

func (p *progress) stop() {
	close(p.quit)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}
