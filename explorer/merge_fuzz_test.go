package explorer

import (
	"encoding/json"
	"testing"
)

// FuzzMerge: Merge never panics on summaries decoded from any JSON, and
// what it accepts is itself a valid summary whose Line prints.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{"seed":1,"max_steps":10,"shard":{"i":0,"n":1},"executions":2,"end":2,"stopped":"executions","failed":1,"scenarios":[{"name":"a","executions":2,"failed":1}],"strategies":[{"name":"random","executions":2,"failed":1}],"failures":[]}`), []byte(`{}`))
	f.Add([]byte(`{"seed":1,"shard":{"i":0,"n":2},"executions":1,"end":1,"failed":0,"scenarios":[{"name":"a","executions":1}],"strategies":[{"name":"r","executions":1}],"failures":[]}`),
		[]byte(`{"seed":1,"shard":{"i":1,"n":2},"executions":-3,"end":1,"failed":0,"scenarios":[{"name":"a","executions":-3}],"strategies":[{"name":"r","executions":-3}],"failures":[]}`))
	f.Add([]byte(`{"seed":1,"keep_going":false,"shard":{"i":0,"n":1},"executions":3,"end":3,"failed":1,"scenarios":[{"name":"a","executions":3,"failed":1}],"strategies":[{"name":"r","executions":3,"failed":1}],"failures":[{"index":7,"scenario":"zz","strategy":"q","count":1}]}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var parts []Summary
		for _, d := range [][]byte{a, b} {
			var s Summary
			if json.Unmarshal(d, &s) == nil && s.Shard.N >= 1 {
				parts = append(parts, s)
			}
		}
		m, err := Merge(parts)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Merge accepted %d summaries and made an invalid one: %v", len(parts), err)
		}
		_ = m.Line()
	})
}
