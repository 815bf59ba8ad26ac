package bench

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"time"
	"unicode"
)

// Chart layout, in pixels.
const (
	scale    = 2          // glyph pixel size
	charW    = 6 * scale  // advance of one character
	rowH     = 11 * scale // height of one bar row
	labelW   = 34 * charW // width of the label column
	barW     = 520        // length of the longest bar of a group
	chartW   = labelW + barW + 24*charW
	margin   = 16
	barInset = 3
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{20, 20, 20, 255}
	grey  = color.RGBA{110, 110, 110, 255}
	// toolColors colours each tool's bars alike in every group.
	toolColors = []color.RGBA{
		{140, 140, 140, 255}, // the loop
		{31, 119, 180, 255},  // Cross
		{44, 160, 44, 255},   // Release
		{214, 39, 40, 255},   // GoReleaser
		{148, 103, 189, 255}, // further rows
		{255, 127, 14, 255},
	}
)

// chartRow is one line of the chart: a heading, or a bar with its label
// and value.
type chartRow struct {
	heading string
	label   string
	value   time.Duration
	max     time.Duration // the longest bar of the row's group
	text    string
	color   color.RGBA
}

// WriteChart draws r as horizontal bars, one group per project and state,
// each bar the median wall time with its ratio to the sequential loop, and
// the scaling run below.
func WriteChart(w io.Writer, r *Results) error {
	var rows []chartRow
	for _, pr := range r.Projects {
		if pr.Samples == nil {
			continue
		}
		rows = append(rows, chartRow{heading: fmt.Sprintf("%s %s: median wall time, ratio to the build.sh loop", pr.Project.Name, pr.Project.Version)})
		for _, state := range States {
			if pr.Samples[state] == nil {
				continue
			}
			loop, okl := pr.Median(state, Loop)
			var longest time.Duration
			for _, tool := range pr.Tools {
				if s, ok := pr.Median(state, tool); ok {
					longest = max(longest, s.Wall)
				}
			}
			for i, tool := range pr.Tools {
				s, ok := pr.Median(state, tool)
				if !ok {
					continue
				}
				text := secs(s.Wall)
				if okl && tool != Startup {
					text += "  " + ratio(s.Wall, loop.Wall, true) + "×"
				}
				rows = append(rows, chartRow{label: state + "  " + tool, value: s.Wall, max: longest, text: text, color: toolColors[i%len(toolColors)]})
			}
			rows = append(rows, chartRow{})
		}
	}
	if len(r.Scaling) > 0 {
		rows = append(rows, chartRow{heading: fmt.Sprintf("scaling: Cross on %s, cold, wall time (CPU time)", r.ScalingProject)})
		var longest time.Duration
		for _, p := range r.Scaling {
			longest = max(longest, p.Sample.Wall)
		}
		for _, p := range r.Scaling {
			rows = append(rows, chartRow{label: p.Label, value: p.Sample.Wall, max: longest,
				text: fmt.Sprintf("%s (%s)", secs(p.Sample.Wall), secs(p.Sample.CPU)), color: toolColors[1]})
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, chartW+2*margin, len(rows)*rowH+2*margin))
	fill(img, img.Bounds(), white)
	for i, row := range rows {
		y := margin + i*rowH
		switch {
		case row.heading != "":
			drawText(img, margin, y+(rowH-7*scale)/2, row.heading, black)
		case row.label != "":
			drawText(img, margin, y+(rowH-7*scale)/2, row.label, black)
			n := 1
			if row.max > 0 {
				n = max(1, int(float64(barW)*row.value.Seconds()/row.max.Seconds()))
			}
			x := margin + labelW
			fill(img, image.Rect(x, y+barInset, x+n, y+rowH-barInset), row.color)
			drawText(img, x+n+charW, y+(rowH-7*scale)/2, row.text, grey)
		}
	}
	return png.Encode(w, img)
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// drawText prints s with its top-left corner at x, y.
func drawText(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for _, r := range strings.ToUpper(s) {
		g, ok := glyphs[unicode.ToUpper(r)]
		if ok {
			for gy, line := range g {
				for gx, px := range line {
					if px == '#' {
						fill(img, image.Rect(x+gx*scale, y+gy*scale, x+(gx+1)*scale, y+(gy+1)*scale), c)
					}
				}
			}
		}
		x += charW
	}
}
