package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// WriteResults writes r as JSON to name, so that a later run can merge it.
func WriteResults(name string, r *Results) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the results: %w", err)
	}
	if err := os.WriteFile(name, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the results: %w", err)
	}
	return nil
}

// ReadResults reads what WriteResults wrote.
func ReadResults(name string) (*Results, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading earlier results: %w", err)
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("reading earlier results %s: %w", name, err)
	}
	return &r, nil
}

// Merge returns r with the projects of earlier that r has not measured
// put first, and earlier's scaling run when r has none. The start time
// and the load at the start are earlier's. A nil earlier gives r.
func (r *Results) Merge(earlier *Results) *Results {
	if earlier == nil {
		return r
	}
	m := *r
	m.Started, m.LoadBefore = earlier.Started, earlier.LoadBefore
	m.Projects = nil
	for _, pr := range earlier.Projects {
		if !slices.ContainsFunc(r.Projects, func(q ProjectResult) bool { return q.Project.Name == pr.Project.Name }) {
			m.Projects = append(m.Projects, pr)
		}
	}
	m.Projects = append(m.Projects, r.Projects...)
	if len(m.Scaling) == 0 {
		m.Scaling, m.ScalingProject = earlier.Scaling, earlier.ScalingProject
	}
	return &m
}
