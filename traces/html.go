package traces

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"net/url"
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

// Layout of the timeline, in pixels. Lanes are laneMaxW wide when they
// fit in fitW, narrower down to laneMinW, and past that the timeline
// scrolls horizontally (its lane titles stay in view as it scrolls down).
const (
	axisW    = 170  // step and time column
	laneMaxW = 290  // one thread's lane, at most
	laneMinW = 170  // and at least
	fitW     = 1340 // the width the lanes try to fit (a 1400-pixel window)
	rowH     = 16   // one event
	headH    = 44   // lane titles
	charW    = 6.7  // width of a character of a label
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
.scroll{overflow:auto;max-height:72vh;border:1px solid #ddd;position:relative}
.lanehead{position:sticky;top:0;z-index:2;background:#fff;display:block}.timeline{display:block}
.lane-title.failing{fill:#d00}
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
.edge.expected path{stroke:#080;stroke-width:2.6;stroke-dasharray:7 4}.edge.expected text{fill:#060;font-weight:bold;paint-order:stroke;stroke:#fff;stroke-width:3px}
.st.final ellipse{stroke:#d00;stroke-width:3.5}
pre{font-size:12px;background:#fafafa;border:1px solid #ddd;padding:8px;overflow:auto;max-height:60vh}
`

// pageJS: clicking an event highlights every event of the same object.
// At load it scrolls the timeline so that the failure marker and the
// failing thread's lane are in view (and the page, if the timeline's box
// reaches below the window).
const pageJS = `document.querySelectorAll('.ev').forEach(function(e){e.addEventListener('click',function(){
var o=e.getAttribute('data-obj');document.querySelectorAll('.ev').forEach(function(x){
x.classList.toggle('hl',o!=='0'&&x.getAttribute('data-obj')===o)})})});
(function(){var tl=document.getElementById('timeline'),f=document.getElementById('failure');if(!tl||!f)return;
var fx=+f.getAttribute('data-x'),fy=+f.getAttribute('data-y'),lw=+f.getAttribute('data-w');
tl.scrollTop=Math.max(0,fy-tl.clientHeight/2);tl.scrollLeft=Math.max(0,fx+lw/2-tl.clientWidth/2);
var b=tl.getBoundingClientRect(),r=f.getBoundingClientRect();
if(r.bottom>window.innerHeight-8)window.scrollBy(0,Math.min(b.top,r.bottom-window.innerHeight+40));})();`

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
	p.f("<p class=\"meta\">%d decisions · %s · %d steps · %d events · virtual time %s s · hash %s</p>\n",
		len(t.Log), esc(strings.Replace(PreemptionsText(t.Verdict), ", ", " · ", 1)), t.Verdict.Steps, len(t.Events), sim.Time(t.Verdict.TimeNS), esc(t.Verdict.Hash))
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
		if href, ok := safeHref(v); ok {
			p.f("<p class=\"meta\">linearizability: <a href=\"%s\">porcupine's visualisation of the history</a> (%s)</p>\n", esc(href), esc(v))
		} else {
			p.f("<p class=\"meta\">linearizability: porcupine's visualisation of the history: %s (not a relative file path nor an http(s) URL: not linked)</p>\n", esc(v))
		}
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

// safeHref is the link a trace field may become: a relative file path
// (letters, digits and ._-+/ only, no "..", not absolute) or an http(s) URL
// with a host and no user info. Anything else (javascript:, data:, file:,
// "//host", an absolute path) is not linked: ok is false.
func safeHref(v string) (href string, ok bool) {
	if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil {
		return u.String(), true
	}
	if v == "" || strings.HasPrefix(v, "/") || slices.Contains(strings.Split(v, "/"), "..") {
		return "", false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-+/", r)) {
			return "", false
		}
	}
	return v, true
}

// lane is one column of the timeline: one thread, or several kworker
// instances whose lives never overlap (as the kernel's kworker/u4:N come
// and go, one after another).
type lane struct {
	ids         []int32 // its threads, by id
	comm        string  // the (first) thread's name
	first, last int     // rows of its first and last event, -1 for none
}

// laneOf is the thread whose lane an event belongs in: its thread, or for
// an event outside any thread that names a pid (a thread's exit, a timer
// firing), that pid.
func laneOf(e *Event) int32 {
	if e.Thread >= 0 {
		return e.Thread
	}
	if pid, ok := textPid(e.Text); ok {
		return pid
	}
	return -1
}

// kworkerPool is the pool part of a kworker's name ("kworker/u4" of
// "kworker/u4:3"), "" for any other thread.
func kworkerPool(comm string) string {
	if !strings.HasPrefix(comm, "kworker/") {
		return ""
	}
	pool, _, ok := strings.Cut(comm, ":")
	if !ok {
		return ""
	}
	return pool
}

// makeLanes assigns the threads of evs (and of the run) to lanes: a lane
// per thread, except that a kworker instance goes in the lane of an
// earlier instance of its pool whose events all come before its first.
// It returns the lanes in order of their first thread's id and the lane
// index of each thread.
func makeLanes(t *Trace, evs []Event) ([]*lane, map[int32]int) {
	type thread struct {
		id          int32
		comm        string
		first, last int
	}
	byID := map[int32]*thread{}
	var threads []*thread
	add := func(id int32, comm string) *thread {
		th, ok := byID[id]
		if !ok {
			th = &thread{id: id, comm: comm, first: -1, last: -1}
			byID[id] = th
			threads = append(threads, th)
		}
		if th.comm == "" {
			th.comm = comm
		}
		return th
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
		th := add(id, comm)
		if th.first < 0 {
			th.first = i
		}
		th.last = i
	}
	for _, th := range threads {
		if th.comm == "" {
			th.comm = "?"
		}
	}
	// Kworkers by their first event (those without events last), the rest
	// by id; then greedy: the first lane of the pool that is free.
	slices.SortFunc(threads, func(a, b *thread) int {
		ka, kb := kworkerPool(a.comm) != "", kworkerPool(b.comm) != ""
		switch {
		case ka != kb:
			if ka {
				return 1
			}
			return -1
		case ka && (a.first < 0) != (b.first < 0):
			if a.first < 0 {
				return 1
			}
			return -1
		case ka && a.first != b.first:
			return a.first - b.first
		}
		return int(a.id) - int(b.id)
	})
	var lanes []*lane
	for _, th := range threads {
		var into *lane
		if pool := kworkerPool(th.comm); pool != "" {
			for _, l := range lanes {
				if kworkerPool(l.comm) == pool && (th.first < 0 || l.last < th.first) {
					into = l
					break
				}
			}
		}
		if into == nil {
			into = &lane{comm: th.comm, first: -1, last: -1}
			lanes = append(lanes, into)
		}
		into.ids = append(into.ids, th.id)
		if th.first >= 0 {
			if into.first < 0 || th.first < into.first {
				into.first = th.first
			}
			into.last = max(into.last, th.last)
		}
	}
	for _, l := range lanes {
		slices.Sort(l.ids)
	}
	slices.SortFunc(lanes, func(a, b *lane) int { return int(a.ids[0]) - int(b.ids[0]) })
	col := map[int32]int{}
	for i, l := range lanes {
		for _, id := range l.ids {
			col[id] = i
		}
	}
	return lanes, col
}

// laneName is a lane's title: "comm-pid", or for kworker instances sharing
// it "kworker/u4:3-4, :4-5" (each instance's number and pid).
func laneName(l *lane, comms map[int32]string) string {
	if len(l.ids) == 1 {
		if l.ids[0] < 0 {
			return l.comm
		}
		return fmt.Sprintf("%s-%d", comms[l.ids[0]], l.ids[0])
	}
	var b strings.Builder
	for i, id := range l.ids {
		c := comms[id]
		if i > 0 {
			b.WriteString(", ")
			if _, n, ok := strings.Cut(c, ":"); ok {
				c = ":" + n
			}
		}
		fmt.Fprintf(&b, "%s-%d", c, id)
	}
	return b.String()
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
	lanes, col := makeLanes(t, evs)
	comms := map[int32]string{}
	for _, th := range t.Verdict.Threads {
		comms[th.ID] = th.Comm
	}
	for i := range evs {
		if e := &evs[i]; e.Thread >= 0 && comms[e.Thread] == "" {
			comms[e.Thread] = e.Comm
		}
	}
	for _, l := range lanes {
		for _, id := range l.ids {
			if comms[id] == "" {
				comms[id] = l.comm
			}
		}
	}
	laneW := max(laneMinW, min(laneMaxW, (fitW-axisW)/max(len(lanes), 1)))
	labelCh := int(float64(laneW-24) / charW)
	// The failure goes after the last row at or before its step.
	failRow := -1
	failLane := -1
	if t.Failed() {
		failRow = 0
		for i := range evs {
			if evs[i].Step <= t.Verdict.Step {
				failRow = i + 1
			}
		}
		if c, ok := col[t.Verdict.Thread]; ok {
			failLane = c
		}
	}
	rows := len(evs)
	extra := 0
	if failRow >= 0 {
		extra = 2
	}
	width := axisW + laneW*len(lanes) + 10
	height := (rows+extra)*rowH + 12
	y := func(row int) float64 {
		if failRow >= 0 && row >= failRow {
			row += extra
		}
		return float64(row*rowH + rowH/2)
	}
	// The lane titles, in a header that stays at the top of the scrolled
	// box; the lanes below scroll with it sideways.
	p.s("<div class=\"scroll\" id=\"timeline\">\n")
	p.f("<svg class=\"lanehead\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", width, headH, width, headH)
	p.f("<text class=\"axis\" x=\"6\" y=\"18\">step</text><text class=\"axis\" x=\"60\" y=\"18\">time (s)</text>\n")
	for i, l := range lanes {
		x := axisW + i*laneW
		odd := ""
		if i%2 == 1 {
			odd = " odd"
		}
		ids := make([]string, len(l.ids))
		for j, id := range l.ids {
			ids[j] = strconv.Itoa(int(id))
		}
		cls := "lane-title"
		if i == failLane {
			cls += " failing"
		}
		p.f("<rect class=\"lane-bg%s\" x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\"/>\n", odd, x, laneW, headH)
		name := laneName(l, comms)
		if r := []rune(name); len(r) > labelCh {
			name = string(r[:labelCh-1]) + "…"
		}
		p.f("<text class=\"%s\" data-threads=\"%s\" x=\"%d\" y=\"18\"><title>%s</title>%s</text>\n", cls, strings.Join(ids, " "), x+8, esc(laneName(l, comms)), esc(name))
		if l.ids[0] >= 0 {
			cpus := ""
			for j, id := range l.ids {
				if j > 0 {
					cpus += ","
				}
				cpus += strconv.Itoa(int(id % NumCPUs))
			}
			what := "CPU"
			if len(l.ids) > 1 {
				what = "CPUs"
			}
			p.f("<text class=\"axis\" x=\"%d\" y=\"34\">%s %s</text>\n", x+8, what, cpus)
		}
	}
	p.s("</svg>\n")
	p.f("<svg class=\"timeline\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", width, height, width, height)
	for i, l := range lanes {
		x := axisW + i*laneW
		odd := ""
		if i%2 == 1 {
			odd = " odd"
		}
		ids := make([]string, len(l.ids))
		for j, id := range l.ids {
			ids[j] = strconv.Itoa(int(id))
		}
		p.f("<g class=\"lane\" data-thread=\"%s\">\n<rect class=\"lane-bg%s\" x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\"/>\n", strings.Join(ids, " "), odd, x, laneW, height)
		if l.first >= 0 {
			p.f("<line class=\"life\" x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\"/>\n", x+12, px(y(l.first)), x+12, px(y(l.last)))
		}
		p.s("</g>\n")
	}
	lastTime := int64(-1)
	softirq := TimerThreads(t.Events)
	prevInLane := map[int]int32{}
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
		id := laneOf(e)
		c := col[id]
		x := axisW + c*laneW
		cls := "ev"
		switch {
		case e.Event == "fscache_cookie_state" || strings.HasSuffix(e.Event, "_state"):
			cls += " state"
		case strings.HasPrefix(e.Event, "sim_"):
			cls += " sim"
		}
		if t.Failed() && e.Step == t.Verdict.Step && id == t.Verdict.Thread && i == failRow-1 {
			cls += " fail"
		}
		label := eventLabel(e, labelCh)
		// In a shared lane, the first event of each instance names it.
		if l := lanes[c]; len(l.ids) > 1 {
			if prev, ok := prevInLane[c]; !ok || prev != id {
				label = eventLabel(e, labelCh-len(comms[id])-3)
				label = "[" + comms[id] + "] " + label
			}
			prevInLane[c] = id
		}
		p.f("<g class=\"%s\" data-obj=\"%d\" data-step=\"%d\"><title>%s</title>", cls, e.Obj, e.Step, esc(FtraceLine(e, softirq[e.Thread])+"  # step "+strconv.FormatInt(e.Step, 10)))
		p.f("<circle cx=\"%d\" cy=\"%s\" r=\"4\"/><text x=\"%d\" y=\"%s\">%s</text></g>\n", x+12, px(yy), x+20, px(yy+4), esc(label))
	}
	if failRow >= 0 {
		v := t.Verdict
		fy := float64(failRow*rowH + rowH)
		fx := 0
		if failLane >= 0 {
			fx = axisW + failLane*laneW
		}
		p.f("<g class=\"failure\" id=\"failure\" data-step=\"%d\" data-x=\"%d\" data-y=\"%s\" data-w=\"%d\"><title>%s</title>", v.Step, fx, px(fy+headH), laneW, esc(VerdictLine(v)))
		p.f("<line x1=\"0\" y1=\"%s\" x2=\"%d\" y2=\"%s\"/>", px(fy), width, px(fy))
		label := fmt.Sprintf("✗ step %d: %s [%s] in %s", v.Step, v.Class, v.Check, v.ThreadName)
		p.f("<text x=\"%d\" y=\"%s\">%s</text></g>\n", fx+6, px(fy+rowH-2), esc(label))
	}
	p.s("</svg>\n</div>\n")
}

// eventLabel is an event's short label: a short event name, then its
// fields with the padding collapsed, cut to n characters.
func eventLabel(e *Event, n int) string {
	name := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(e.Event, "fscache_"), "cachefiles_"), "sim_")
	if e.Event == "fscache_cookie_state" {
		name = ""
	}
	text := strings.Join(strings.Fields(e.Text), " ")
	s := text
	if name != "" {
		s = name + " " + text
	}
	n = max(n, 8)
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
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
	ids      []string       // transition rows drawn by this edge, table order
	counts   map[string]int // how often the run took each row
	illegal  bool           // the run made a change along it that no row allows
	expected string         // the row that should have been taken next ("" if none)
}

// finalState finds the cookie the failure names (the first "c=" object,
// else the last cookie that changed state) and the state its last change
// left it in; ok is false if no cookie changed state.
func finalState(t *Trace) (cookie string, state int, ok bool) {
	for _, o := range append(slices.Clone(t.Verdict.Objects), strings.Fields(t.Verdict.Msg)...) {
		if strings.HasPrefix(o, "c=") && len(o) >= 10 {
			cookie = o[:10]
			break
		}
	}
	state = -1
	last := ""
	for i := range t.Events {
		e := &t.Events[i]
		if e.Event != "fscache_cookie_state" {
			continue
		}
		f := strings.Fields(e.Text)
		if len(f) < 2 {
			continue
		}
		_, to, found := strings.Cut(f[1], "->")
		if !found {
			continue
		}
		if cookie == "" || f[0] == cookie {
			state, last = stateIndex(to), f[0]
		}
	}
	if cookie == "" {
		cookie = last
	}
	return cookie, state, state >= 0
}

// expectedRow is, for a failing run whose cookie stopped in state from,
// the transition row out of it that its flags (the "flags A|B" of the
// failure message) called for and the run did not take: a row whose
// trigger names DO_ flags, every one set (or, after "not", clear). ""
// if no row fits.
func expectedRow(t *Trace, from int) (fscache.Transition, bool) {
	f := strings.Fields(t.Verdict.Msg)
	var flags []string
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "flags" {
			flags = strings.Split(f[i+1], "|")
			break
		}
	}
	if len(flags) == 0 {
		return fscache.Transition{}, false
	}
	for _, tr := range fscache.Transitions {
		if !slices.Contains(tr.From, fscache.CookieState(from)) || int(tr.To) == from {
			continue
		}
		words := strings.FieldsFunc(tr.Trigger, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' })
		n, fits := 0, true
		for i, w := range words {
			if !strings.HasPrefix(w, "DO_") {
				continue
			}
			n++
			neg := i > 0 && words[i-1] == "not"
			if slices.Contains(flags, w) == neg {
				fits = false
			}
		}
		if n > 0 && fits {
			return tr, true
		}
	}
	return fscache.Transition{}, false
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
	cookie, final, hasFinal := finalState(p.t)
	var want fscache.Transition
	hasWant := false
	if hasFinal && p.t.Failed() {
		if want, hasWant = expectedRow(p.t, final); hasWant {
			k := edgeKey{final, int(want.To)}
			if edges[k] == nil {
				addEdge(k, want.ID)
			}
			edges[k].expected = want.ID
		}
	}
	if total == 0 {
		p.s("<p class=\"meta\">The run made no cookie state change.</p>\n")
	} else {
		p.f("<p class=\"meta\">The run made %d cookie state changes; the transitions it took are highlighted, with how often (rows of the spec's transition table, T1–T16).</p>\n", total)
	}
	if hasFinal {
		p.f("<p class=\"meta\" id=\"final-state\">%s ended in <b>%s</b> (circled in red)", esc(cookie), fscache.CookieState(final))
		if hasWant {
			p.f("; its flags called for %s %s → %s (%s), which did not happen (dashed green)", want.ID, fscache.CookieState(final), want.To, esc(want.Trigger))
		}
		p.s(".</p>\n")
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
		isFinal := hasFinal && int(s) == final
		if isFinal {
			cls += " final"
			title += "; final state of " + cookie
		}
		p.f("<g class=\"%s\" data-state=\"%s\"><title>%s</title><ellipse cx=\"%s\" cy=\"%s\" rx=\"%d\" ry=\"%d\"/><text x=\"%s\" y=\"%s\">%s</text>",
			cls, s.String(), esc(title), px(pos[0]), px(pos[1]), nodeRX, nodeRY, px(pos[0]), px(pos[1]+4), s.String())
		p.s("</g>\n")
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
	if ei.expected != "" {
		cls += " expected"
		marker = "arrow"
		label = "expected " + ei.expected
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
