package traces

import (
	"strings"
	"testing"
)

// TestHTMLLinksSanitised: a trace field shown as a link becomes one only
// if it is a relative file path or an http(s) URL; anything else is shown
// as text, never as an href.
func TestHTMLLinksSanitised(t *testing.T) {
	for _, tc := range []struct {
		v    string
		link bool
	}{
		{"x.porcupine.html", true},
		{"sub/x-1_2.porcupine.html", true},
		{"https://example.org/viz.html", true},
		{"http://example.org/a?b=c", true},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"file:///etc/passwd", false},
		{"//evil.example/x.html", false},
		{"/etc/passwd", false},
		{"../../secret.html", false},
		{"a\" onmouseover=\"alert(1)", false},
		{"http://user:pw@example.org/", false},
		{"vbscript:x", false},
	} {
		tr := handTrace()
		tr.Verdict.Visualization = tc.v
		page := renderHTML(t, tr)
		f := parseHTML(t, page)
		switch {
		case tc.link && (len(f.links) != 1 || f.links[0] != tc.v):
			t.Errorf("%q: links %q, want it linked", tc.v, f.links)
		case !tc.link && len(f.links) != 0:
			t.Errorf("%q: links %q, want no link", tc.v, f.links)
		}
		if !tc.link && strings.Contains(strings.ToLower(page), "href=\"javascript") {
			t.Errorf("%q: a javascript: link", tc.v)
		}
	}
}
