package traces

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// HTMLOptions configure RenderHTML.
type HTMLOptions struct {
	// MaxEvents bounds the events drawn on the timeline (default 20000):
	// past it, only the last MaxEvents up to the failure are drawn.
	MaxEvents int
}

// Layout of the timeline, in pixels.
const (
	axisW   = 170 // step and time column
	laneW   = 290 // one thread's lane
	rowH    = 16  // one event
	headH   = 44  // lane titles
	labelCh = 40  // characters of a label that fit in a lane
)

// RenderHTML writes t as one self-contained HTML page (also well-formed
// XML, so a test can parse it with encoding/xml): a summary and the
// verdict; a timeline with one vertical swimlane per thread, one row per
// event on the step axis with the virtual time beside it, each event
// labelled with its object and reason or state change (hover for the whole
// ftrace line) and the failure marked at its step; the cookie state diagram
// with the transitions of fscache.Transitions as edges, those the run took
// highlighted with counts; the events as ftrace text. It fetches nothing:
// CSS, script and SVG are inline. Output depends only on t.
func RenderHTML(w io.Writer, t *Trace, opts HTMLOptions) error {
	bw := bufio.NewWriter(w)
	p := &page{w: bw, t: t}
	p.render(opts)
	return bw.Flush()
}

type page struct {
	w *bufio.Writer
	t *Trace
}

func (p *page) f(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }
func (p *page) s(s string)                   { p.w.WriteString(s) }

func esc(s string) string { return html.EscapeString(s) }

func px(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

const pageCSS = `body{font-family:system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:22px 0 8px}
.meta{font-size:13px;color:#555;margin:2px 0}
.verdict{padding:8px 10px;border-radius:4px;font-family:monospace;font-size:13px;margin:10px 0;white-space:pre-wrap}
.verdict.fail{background:#fde8e8;border:1px solid #d33}.verdict.pass{background:#e8f6e8;border:1px solid #3a3}
.verdict.other{background:#fff6e0;border:1px solid #c90}
.scroll{overflow:auto;max-height:80vh;border:1px solid #ddd}
svg text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;white-space:pre}
.lane-bg{fill:#f7f7fb}.lane-bg.odd{fill:#eef0f7}.lane-title{font-weight:bold;font-size:12px}
.life{stroke:#99a;stroke-width:2}
.ev circle{fill:#4a6fa5}.ev.state circle{fill:#c7601a}.ev.sim circle{fill:#999}.ev.fail circle{fill:#d00}
.ev.state text{fill:#a04a0c;font-weight:bold}.ev.sim text{fill:#777}
.ev:hover text{fill:#000;text-decoration:underline}.ev.hl circle{stroke:#000;stroke-width:2}.ev.hl text{fill:#000;font-weight:bold}
.axis{fill:#666}.clock{stroke:#bbb;stroke-dasharray:3 3}.tick{fill:#0a5}
.failure line{stroke:#d00;stroke-width:2}.failure text{fill:#d00;font-weight:bold}
.st ellipse{fill:#f4f4f4;stroke:#888}.st.taken ellipse{fill:#fff1e6;stroke:#c7601a;stroke-width:2}
.st text{font-size:11px;text-anchor:middle}
.edge path{fill:none;stroke:#bbb;stroke-width:1.2}.edge text{fill:#999;font-size:10px;text-anchor:middle}
.edge.taken path{stroke:#c7601a;stroke-width:2.6}.edge.taken text{fill:#a04a0c;font-weight:bold}
.edge.illegal path{stroke:#d00;stroke-dasharray:5 3}.edge.illegal text{fill:#d00}
pre{font-size:12px;background:#fafafa;border:1px solid #ddd;padding:8px;overflow:auto;max-height:60vh}
`

// pageJS: clicking an event highlights every event of the same object.
const pageJS = `document.querySelectorAll('.ev').forEach(function(e){e.addEventListener('click',function(){
var o=e.getAttribute('data-obj');document.querySelectorAll('.ev').forEach(function(x){
x.classList.toggle('hl',o!=='0'&&x.getAttribute('data-obj')===o)})})});`

func (p *page) render(opts HTMLOptions) {
	t := p.t
	h := t.Header
	title := fmt.Sprintf("fscachesim: %s seed %d", h.Scenario, h.Seed)
	p.s("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
	p.f("<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", esc(title), pageCSS)
	p.f("<h1>%s</h1>\n", esc(title))
	bugs := h.Bugs
	if bugs == "" {
		bugs = "none"
	}
	p.f("<p class=\"meta\">scenario <b>%s</b> · seed %d · strategy %s · bugs %s · max steps %d · tool %s · trace format %d</p>\n",
		esc(h.Scenario), h.Seed, esc(h.Strategy), esc(bugs), h.MaxSteps, esc(h.Tool), h.Version)
	p.f("<p class=\"meta\">%d decisions · %d preemptions · %d steps · %d events · virtual time %s s · hash %s</p>\n",
		len(t.Log), t.Log.Preemptions(), t.Verdict.Steps, len(t.Events), sim.Time(t.Verdict.TimeNS), esc(t.Verdict.Hash))
	if s := h.Shrunk; s != nil {
		p.f("<p class=\"meta\">shrunk from %d decisions and %d preemptions in %d attempts</p>\n", s.DecisionsBefore, s.PreemptionsBefore, s.Attempts)
	}
	cls := "other"
	switch t.Verdict.Verdict {
	case VerdictFail:
		cls = "fail"
	case VerdictPass:
		cls = "pass"
	}
	p.f("<div class=\"verdict %s\" id=\"verdict\">%s: %s", cls, esc(strings.ToUpper(t.Verdict.Verdict)), esc(VerdictLine(t.Verdict)))
	for _, wt := range t.Verdict.Waiters {
		p.f("\n  %s waits on %s since step %d", esc(wt.Comm), esc(wt.What), wt.Since)
	}
	if len(t.Verdict.Objects) > 0 {
		p.f("\n  objects: %s", esc(strings.Join(t.Verdict.Objects, ", ")))
	}
	p.s("</div>\n")
	if v := t.Verdict.Visualization; v != "" {
		p.f("<p class=\"meta\">linearizability: <a href=\"%s\">porcupine's visualisation of the history</a> (%s)</p>\n", esc(localHref(v)), esc(v))
	}
	p.s("<h2>Timeline</h2>\n<p class=\"meta\">One lane per thread, one row per event, on the step axis (the virtual time is printed where it moves). Hover an event for its ftrace line; click it to highlight every event of its object.</p>\n")
	p.timeline(opts)
	p.s("<h2>Cookie states</h2>\n")
	p.states()
	p.s("<h2>Events (ftrace)</h2>\n<pre>")
	var b strings.Builder
	RenderText(&b, t, Ftrace)
	p.s(esc(b.String()))
	p.f("</pre>\n<script>\n//<![CDATA[\n%s\n//]]>\n</script>\n</body>\n</html>\n", pageJS)
}

// localHref keeps a link relative and local: anything that looks like a
// URL with a scheme is made a relative path.
func localHref(v string) string {
	if i := strings.Index(v, "://"); i >= 0 {
		v = v[i+3:]
	}
	return strings.TrimPrefix(v, "/")
}

// lane is one thread's column.
type lane struct {
	id          int32
	comm        string
	first, last int // rows of its first and last event, -1 for none
}

// laneOf is the lane an event belongs in: its thread, or for an event
// outside any thread that names a pid (a thread's exit, a timer firing), the
// lane of that pid.
func laneOf(e *Event) int32 {
	if e.Thread >= 0 {
		return e.Thread
	}
	if pid, ok := textPid(e.Text); ok {
		return pid
	}
	return -1
}

func (p *page) timeline(opts HTMLOptions) {
	t := p.t
	maxEv := opts.MaxEvents
	if maxEv <= 0 {
		maxEv = 20000
	}
	evs := t.Events
	if len(evs) > maxEv {
		end := len(evs)
		if t.Failed() {
			for end > 0 && evs[end-1].Step > t.Verdict.Step {
				end--
			}
		}
		start := max(end-maxEv, 0)
		p.f("<p class=\"meta\">The timeline shows events %d to %d of %d.</p>\n", start, end-1, len(evs))
		evs = evs[start:end]
	}
	// Lanes: every thread of the run, plus one for the scheduler when an
	// event belongs to no thread.
	var lanes []*lane
	byID := map[int32]*lane{}
	add := func(id int32, comm string) {
		if _, ok := byID[id]; !ok {
			l := &lane{id: id, comm: comm, first: -1, last: -1}
			byID[id] = l
			lanes = append(lanes, l)
		}
	}
	for _, th := range t.Verdict.Threads {
		add(th.ID, th.Comm)
	}
	for i := range evs {
		id := laneOf(&evs[i])
		comm := evs[i].Comm
		if id != evs[i].Thread {
			comm = ""
		}
		if id < 0 {
			comm = "(scheduler)"
		}
		add(id, comm)
	}
	slices.SortFunc(lanes, func(a, b *lane) int { return int(a.id) - int(b.id) })
	col := map[int32]int{}
	for i, l := range lanes {
		col[l.id] = i
		if l.comm == "" {
			l.comm = "?"
		}
	}
	for i := range evs {
		l := lanes[col[laneOf(&evs[i])]]
		if l.first < 0 {
			l.first = i
		}
		l.last = i
	}
	// The failure goes after the last row at or before its step.
	failRow := -1
	if t.Failed() {
		failRow = 0
		for i := range evs {
			if evs[i].Step <= t.Verdict.Step {
				failRow = i + 1
			}
		}
	}
	rows := len(evs)
	extra := 0
	if failRow >= 0 {
		extra = 2
	}
	width := axisW + laneW*len(lanes) + 10
	height := headH + (rows+extra)*rowH + 12
	y := func(row int) float64 {
		if failRow >= 0 && row >= failRow {
			row += extra
		}
		return float64(headH + row*rowH + rowH/2)
	}
	p.f("<div class=\"scroll\">\n<svg class=\"timeline\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", width, height, width, height)
	for i, l := range lanes {
		x := axisW + i*laneW
		odd := ""
		if i%2 == 1 {
			odd = " odd"
		}
		p.f("<g class=\"lane\" data-thread=\"%d\">\n<rect class=\"lane-bg%s\" x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\"/>\n", l.id, odd, x, laneW, height)
		name := l.comm
		if l.id >= 0 {
			name = fmt.Sprintf("%s-%d", l.comm, l.id)
		}
		p.f("<text class=\"lane-title\" x=\"%d\" y=\"18\">%s</text>\n", x+8, esc(name))
		if l.id >= 0 {
			p.f("<text class=\"axis\" x=\"%d\" y=\"34\">CPU %d</text>\n", x+8, l.id%NumCPUs)
		}
		if l.first >= 0 {
			p.f("<line class=\"life\" x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\"/>\n", x+12, px(y(l.first)), x+12, px(y(l.last)))
		}
		p.s("</g>\n")
	}
	p.f("<text class=\"axis\" x=\"6\" y=\"18\">step</text><text class=\"axis\" x=\"60\" y=\"18\">time (s)</text>\n")
	lastTime := int64(-1)
	softirq := TimerThreads(t.Events)
	for i := range evs {
		e := &evs[i]
		yy := y(i)
		if e.TimeNS != lastTime {
			if lastTime >= 0 {
				p.f("<line class=\"clock\" x1=\"0\" y1=\"%s\" x2=\"%d\" y2=\"%s\"/>\n", px(yy-rowH/2), width, px(yy-rowH/2))
			}
			p.f("<text class=\"tick\" x=\"60\" y=\"%s\">%s</text>\n", px(yy+4), sim.Time(e.TimeNS))
			lastTime = e.TimeNS
		}
		if i == 0 || evs[i-1].Step != e.Step {
			p.f("<text class=\"axis\" x=\"6\" y=\"%s\">%d</text>\n", px(yy+4), e.Step)
		}
		x := axisW + col[laneOf(e)]*laneW
		cls := "ev"
		switch {
		case e.Event == "fscache_cookie_state" || strings.HasSuffix(e.Event, "_state"):
			cls += " state"
		case strings.HasPrefix(e.Event, "sim_"):
			cls += " sim"
		}
		if t.Failed() && e.Step == t.Verdict.Step && laneOf(e) == t.Verdict.Thread && i == failRow-1 {
			cls += " fail"
		}
		p.f("<g class=\"%s\" data-obj=\"%d\" data-step=\"%d\"><title>%s</title>", cls, e.Obj, e.Step, esc(FtraceLine(e, softirq[e.Thread])+"  # step "+strconv.FormatInt(e.Step, 10)))
		p.f("<circle cx=\"%d\" cy=\"%s\" r=\"4\"/><text x=\"%d\" y=\"%s\">%s</text></g>\n", x+12, px(yy), x+20, px(yy+4), esc(eventLabel(e)))
	}
	if failRow >= 0 {
		v := t.Verdict
		fy := float64(headH + failRow*rowH + rowH)
		p.f("<g class=\"failure\" id=\"failure\" data-step=\"%d\"><title>%s</title>", v.Step, esc(VerdictLine(v)))
		p.f("<line x1=\"0\" y1=\"%s\" x2=\"%d\" y2=\"%s\"/>", px(fy), width, px(fy))
		label := fmt.Sprintf("✗ step %d: %s [%s] in %s", v.Step, v.Class, v.Check, v.ThreadName)
		p.f("<text x=\"6\" y=\"%s\">%s</text></g>\n", px(fy+rowH-2), esc(label))
	}
	p.s("</svg>\n</div>\n")
}

// eventLabel is an event's short label: a short event name, then its
// fields with the padding collapsed, cut to fit the lane.
func eventLabel(e *Event) string {
	name := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(e.Event, "fscache_"), "cachefiles_"), "sim_")
	if e.Event == "fscache_cookie_state" {
		name = ""
	}
	text := strings.Join(strings.Fields(e.Text), " ")
	s := text
	if name != "" {
		s = name + " " + text
	}
	if r := []rune(s); len(r) > labelCh {
		s = string(r[:labelCh-1]) + "…"
	}
	return s
}

// Positions of the cookie state diagram's nodes.
var statePos = [fscache.NumCookieStates][2]float64{
	fscache.CookieQuiescent:     {170, 70},
	fscache.CookieLookingUp:     {420, 70},
	fscache.CookieCreating:      {670, 70},
	fscache.CookieActive:        {420, 200},
	fscache.CookieInvalidating:  {670, 200},
	fscache.CookieFailed:        {670, 330},
	fscache.CookieLRUDiscarding: {170, 200},
	fscache.CookieWithdrawing:   {170, 330},
	fscache.CookieRelinquishing: {420, 330},
	fscache.CookieDropped:       {420, 440},
}

var newPos = [2]float64{40, 70}

const nodeRX, nodeRY = 66, 17

// edgeKey is one drawn edge: from a state (-1: a new cookie) to a state.
type edgeKey struct{ from, to int }

type edgeInfo struct {
	ids     []string       // transition rows drawn by this edge, table order
	counts  map[string]int // how often the run took each row
	illegal bool           // the run made a change along it that no row allows
}

// stateCounts counts the cookie state changes of the run by (from, to,
// row), from the fscache_cookie_state events ("c=00000002 ACTIVE->LRU_DISCARDING T10").
func stateCounts(evs []Event) (map[edgeKey]map[string]int, [fscache.NumCookieStates]int) {
	out := map[edgeKey]map[string]int{}
	var visits [fscache.NumCookieStates]int
	for i := range evs {
		e := &evs[i]
		if e.Event != "fscache_cookie_state" {
			continue
		}
		f := strings.Fields(e.Text)
		if len(f) < 2 {
			continue
		}
		a, b, ok := strings.Cut(f[1], "->")
		if !ok {
			continue
		}
		id := ""
		if len(f) >= 3 {
			id = f[2]
		}
		from, to := stateIndex(a), stateIndex(b)
		if to < 0 {
			continue
		}
		k := edgeKey{from, to}
		if out[k] == nil {
			out[k] = map[string]int{}
		}
		out[k][id]++
		visits[to]++
	}
	return out, visits
}

func stateIndex(name string) int {
	for s := fscache.CookieState(0); s < fscache.NumCookieStates; s++ {
		if s.String() == name {
			return int(s)
		}
	}
	return -1
}

func (p *page) states() {
	taken, visits := stateCounts(p.t.Events)
	edges := map[edgeKey]*edgeInfo{}
	var order []edgeKey
	addEdge := func(k edgeKey, id string) {
		ei := edges[k]
		if ei == nil {
			ei = &edgeInfo{counts: map[string]int{}}
			edges[k] = ei
			order = append(order, k)
		}
		if !slices.Contains(ei.ids, id) {
			ei.ids = append(ei.ids, id)
		}
	}
	for _, tr := range fscache.Transitions {
		if len(tr.From) == 0 {
			addEdge(edgeKey{-1, int(tr.To)}, tr.ID)
		}
		for _, f := range tr.From {
			addEdge(edgeKey{int(f), int(tr.To)}, tr.ID)
		}
	}
	// Count what the run took; a change no row allows (the checker reports
	// it) gets an edge of its own, drawn dashed.
	var keys []edgeKey
	for k := range taken {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b edgeKey) int {
		if a.from != b.from {
			return a.from - b.from
		}
		return a.to - b.to
	})
	total := 0
	for _, k := range keys {
		ids := make([]string, 0, len(taken[k]))
		for id := range taken[k] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			ei := edges[k]
			if ei == nil || !slices.Contains(ei.ids, id) {
				addEdge(k, id)
				edges[k].illegal = true
			}
			edges[k].counts[id] += taken[k][id]
			total += taken[k][id]
		}
	}
	if total == 0 {
		p.s("<p class=\"meta\">The run made no cookie state change.</p>\n")
	} else {
		p.f("<p class=\"meta\">The run made %d cookie state changes; the transitions it took are highlighted, with how often (rows of the spec's transition table, T1–T16).</p>\n", total)
	}
	p.s("<svg class=\"states\" width=\"800\" height=\"480\" viewBox=\"0 0 800 480\">\n")
	p.s("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#888\"/></marker>")
	p.s("<marker id=\"arrow-taken\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#c7601a\"/></marker></defs>\n")
	for _, k := range order {
		p.edge(k, edges[k])
	}
	p.f("<g class=\"st new\"><circle cx=\"%s\" cy=\"%s\" r=\"6\" fill=\"#555\"/><text x=\"%s\" y=\"%s\">new</text></g>\n",
		px(newPos[0]), px(newPos[1]), px(newPos[0]), px(newPos[1]-12))
	for s := fscache.CookieState(0); s < fscache.NumCookieStates; s++ {
		pos := statePos[s]
		cls := "st"
		title := s.String()
		if visits[s] > 0 {
			cls += " taken"
			title += fmt.Sprintf(": entered %d times", visits[s])
		}
		p.f("<g class=\"%s\" data-state=\"%s\"><title>%s</title><ellipse cx=\"%s\" cy=\"%s\" rx=\"%d\" ry=\"%d\"/><text x=\"%s\" y=\"%s\">%s</text></g>\n",
			cls, s.String(), esc(title), px(pos[0]), px(pos[1]), nodeRX, nodeRY, px(pos[0]), px(pos[1]+4), s.String())
	}
	p.s("</svg>\n")
}

func nodeAt(i int) [2]float64 {
	if i < 0 {
		return newPos
	}
	return statePos[i]
}

// border moves from c towards d to the edge of c's node.
func border(c, d [2]float64, isNew bool) [2]float64 {
	dx, dy := d[0]-c[0], d[1]-c[1]
	l := math.Hypot(dx, dy)
	if l == 0 {
		return c
	}
	dx, dy = dx/l, dy/l
	r := 7.0
	if !isNew {
		r = 1 / math.Sqrt((dx/nodeRX)*(dx/nodeRX)+(dy/nodeRY)*(dy/nodeRY))
	}
	return [2]float64{c[0] + dx*r, c[1] + dy*r}
}

func (p *page) edge(k edgeKey, ei *edgeInfo) {
	n := 0
	var parts []string
	for _, id := range ei.ids {
		c := ei.counts[id]
		n += c
		if id == "" {
			id = "?"
		}
		if c > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%d", id, c))
		} else {
			parts = append(parts, id)
		}
	}
	label := strings.Join(parts, ", ")
	cls := "edge"
	marker := "arrow"
	if n > 0 {
		cls += " taken"
		marker = "arrow-taken"
	}
	if ei.illegal {
		cls += " illegal"
		label = "illegal: " + label
	}
	from, to := "new", fscache.CookieState(k.to).String()
	if k.from >= 0 {
		from = fscache.CookieState(k.from).String()
	}
	title := fmt.Sprintf("%s -> %s: %s", from, to, label)
	var d string
	var lx, ly float64
	if k.from == k.to {
		// A loop above the node.
		c := nodeAt(k.from)
		x0, y0 := c[0]-20, c[1]-nodeRY+2
		x1, y1 := c[0]+20, c[1]-nodeRY+2
		d = fmt.Sprintf("M%s,%s C%s,%s %s,%s %s,%s", px(x0), px(y0), px(x0-14), px(y0-38), px(x1+14), px(y1-38), px(x1), px(y1))
		lx, ly = c[0], c[1]-nodeRY-34
	} else {
		a, b := nodeAt(k.from), nodeAt(k.to)
		// Bend every edge to its right, so A->B and B->A do not overlap.
		mx, my := (a[0]+b[0])/2, (a[1]+b[1])/2
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		bend := 22.0
		cx, cy := mx-dy/l*bend, my+dx/l*bend
		s := border(a, [2]float64{cx, cy}, k.from < 0)
		e := border(b, [2]float64{cx, cy}, false)
		d = fmt.Sprintf("M%s,%s Q%s,%s %s,%s", px(s[0]), px(s[1]), px(cx), px(cy), px(e[0]), px(e[1]))
		lx, ly = 0.25*s[0]+0.5*cx+0.25*e[0], 0.25*s[1]+0.5*cy+0.25*e[1]
	}
	p.f("<g class=\"%s\"><title>%s</title><path d=\"%s\" marker-end=\"url(#%s)\"/><text x=\"%s\" y=\"%s\">%s</text></g>\n",
		cls, esc(title), d, marker, px(lx), px(ly-3), esc(label))
}
