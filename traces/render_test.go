package traces

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// -update rewrites the golden files under testdata/render. Read the diff
// before committing it: commit only what you understand.
var update = flag.Bool("update", false, "rewrite the renderers' golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "render", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./traces -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got %q\nwant %q\n(go test ./traces -run %s -update rewrites it; read the diff)", path, i+1, g, w, t.Name())
			}
		}
	}
}

func TestRenderTextGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		f    TextFormat
	}{
		{"hand.ftrace", Ftrace},
		{"hand.steps", Steps},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderText(&b, handTrace(), tc.f); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

// TestFtraceLine pins the ftrace context columns against the kernel's
// trace_print_context() ("%16s-%-7d [%03d] " + flags + " %5lu.%06lu: ").
func TestFtraceLine(t *testing.T) {
	cases := []struct {
		e       Event
		softirq bool
		want    string
	}{
		{Event{Step: 139, TimeNS: 10e9, Thread: 4, Comm: "kworker/u4:3", Event: "fscache_cookie", Text: "c=00000002 PUT lru   r=3"}, false,
			"    kworker/u4:3-4       [000] .....    10.000000: fscache_cookie: c=00000002 PUT lru   r=3"},
		{Event{TimeNS: 1234567891, Thread: 5, Comm: "netfs", Event: "fscache_active", Text: "c=00000002 USE           r=1 a=0 c=1"}, false,
			"           netfs-5       [001] .....     1.234567: fscache_active: c=00000002 USE           r=1 a=0 c=1"},
		{Event{Thread: 3, Comm: "fscache_cookie_lru_timed_out", Event: "sim_spawn", Text: "pid=4"}, true,
			" fscache_cookie_-3       [001] ..s..     0.000000: sim_spawn: pid=4"},
		{Event{TimeNS: 123456e9, Thread: -1, Comm: "-", Event: "sim_exit", Text: "pid=1 comm=x"}, false,
			"          <idle>-0       [000] ..... 123456.000000: sim_exit: pid=1 comm=x"},
	}
	for _, tc := range cases {
		if got := FtraceLine(&tc.e, tc.softirq); got != tc.want {
			t.Errorf("FtraceLine:\n got %q\nwant %q", got, tc.want)
		}
	}
}

func renderHTML(t *testing.T, tr *Trace) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderHTML(&b, tr, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRenderHTMLGolden(t *testing.T) {
	golden(t, "hand.html", []byte(renderHTML(t, handTrace())))
}

// htmlFacts parses a page as XML (the renderer writes well-formed XHTML-
// compatible HTML) and collects what the checks need.
type htmlFacts struct {
	lanes    []string // data-thread of each lane
	failure  int      // elements with id="failure"
	links    []string // every href and src
	titles   int      // hover titles of events
	states   int      // cookie state nodes
	taken    int      // highlighted transitions
	illegal  int      // illegal transitions
	verdicts int
}

func parseHTML(t *testing.T, page string) htmlFacts {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	var f htmlFacts
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the page is not well-formed: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range se.Attr {
			attr[a.Name.Local] = a.Value
			if a.Name.Local == "href" || a.Name.Local == "src" {
				f.links = append(f.links, a.Value)
			}
		}
		cls := " " + attr["class"] + " "
		switch {
		case se.Name.Local == "g" && strings.Contains(cls, " lane "):
			f.lanes = append(f.lanes, attr["data-thread"])
		case se.Name.Local == "g" && strings.Contains(cls, " ev "):
			f.titles++
		case se.Name.Local == "g" && strings.Contains(cls, " st ") && attr["data-state"] != "":
			f.states++
		case se.Name.Local == "g" && strings.Contains(cls, " edge "):
			if strings.Contains(cls, " taken ") {
				f.taken++
			}
			if strings.Contains(cls, " illegal ") {
				f.illegal++
			}
		}
		if attr["id"] == "failure" {
			f.failure++
		}
		if attr["id"] == "verdict" {
			f.verdicts++
		}
	}
	return f
}

func TestRenderHTMLFacts(t *testing.T) {
	tr := handTrace()
	page := renderHTML(t, tr)
	f := parseHTML(t, page)
	// One lane per thread of the run; events outside a thread go to the
	// lane of the pid they name, so no scheduler lane here.
	if strings.Join(f.lanes, ",") != "0,1,2" {
		t.Errorf("lanes %q, want 0,1,2", f.lanes)
	}
	if f.failure != 1 || f.verdicts != 1 {
		t.Errorf("%d failure markers and %d verdicts, want 1 each", f.failure, f.verdicts)
	}
	if f.titles != len(tr.Events) {
		t.Errorf("%d events drawn, want %d", f.titles, len(tr.Events))
	}
	if f.states != 10 {
		t.Errorf("%d cookie states, want 10", f.states)
	}
	// The hand trace takes T1, T2, T10, T14 and LOOKING_UP->ACTIVE (T5).
	if f.taken != 5 || f.illegal != 0 {
		t.Errorf("%d transitions highlighted (%d illegal), want 5 (0)", f.taken, f.illegal)
	}
	for _, l := range f.links {
		if strings.Contains(l, "://") || strings.HasPrefix(l, "//") {
			t.Errorf("the page links outside itself: %q", l)
		}
	}
	if len(f.links) != 1 || f.links[0] != tr.Verdict.Visualization {
		t.Errorf("links %q, want just the porcupine visualisation", f.links)
	}
	for _, bad := range []string{"http://", "https://", "<link", "@import", "url(http"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: it must not fetch anything", bad)
		}
	}
	if !strings.Contains(page, "&lt;PUT&gt; &amp; &#34;q&#34;") {
		t.Error("an event's text is not escaped")
	}
	if !strings.Contains(page, "T10 ×1") {
		t.Error("no count on a taken transition")
	}
}

// TestRenderHTMLIllegalTransition: a state change no row of the table
// allows is drawn as its own (illegal) edge.
func TestRenderHTMLIllegalTransition(t *testing.T) {
	tr := handTrace()
	tr.Events[7].Text = "c=00000002 LOOKING_UP->DROPPED T99"
	f := parseHTML(t, renderHTML(t, tr))
	if f.illegal != 1 {
		t.Fatalf("%d illegal edges, want 1", f.illegal)
	}
}

// TestRenderSynthetic renders a trace of a real run (no cookies, a
// scheduler lane) and checks the same facts.
func TestRenderSynthetic(t *testing.T) {
	tr := failingTrace(t, 3)
	f := parseHTML(t, renderHTML(t, tr))
	if strings.Join(f.lanes, ",") != "0,1,2" || f.failure != 1 || f.titles != len(tr.Events) || f.taken != 0 {
		t.Fatalf("facts %+v", f)
	}
	var b bytes.Buffer
	RenderText(&b, tr, Ftrace)
	if n := strings.Count(b.String(), "# ---- FAIL "); n != 1 {
		t.Fatalf("%d failure markers in the ftrace text", n)
	}
}

// TestRenderHTMLMaxEvents: a long trace is cut to the events before the
// failure, and says so.
func TestRenderHTMLMaxEvents(t *testing.T) {
	tr := handTrace()
	var b bytes.Buffer
	RenderHTML(&b, tr, HTMLOptions{MaxEvents: 5})
	f := parseHTML(t, b.String())
	if f.titles != 5 || f.failure != 1 || !strings.Contains(b.String(), "The timeline shows events 12 to 16 of 18.") {
		t.Fatalf("facts %+v", f)
	}
}
