package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fscachesim/fscachesim/traces"
)

// chromiumPath finds Debian's chromium. The browser test never skips: CI
// installs the package (.ci/run); elsewhere the test says how to.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("Chromium is not installed: the HTML trace page is tested in a real browser; install it with `apt-get install -y chromium` (CI's .ci/run does)")
	return ""
}

// screenshotDir is where the browser test keeps its screenshots (git
// ignores it); its path is printed in the test log.
func screenshotDir(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("testdata", "screenshots"))
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// manyLanesTrace is a synthetic failing trace of 30 threads (not kworker
// instances, so none share a lane) that fails late, in thread 27.
func manyLanesTrace() *traces.Trace {
	tr := &traces.Trace{Header: traces.NewHeader(Version, "synthetic-30", 1, "random", "", 100000)}
	const n = 30
	for i := range n {
		tr.Verdict.Threads = append(tr.Verdict.Threads, traces.Thread{ID: int32(i), Comm: fmt.Sprintf("worker-%d", i)})
	}
	step := int64(0)
	for round := range 12 {
		for i := range n {
			step++
			tr.Events = append(tr.Events, traces.Event{Step: step, TimeNS: int64(round) * 1e6, Thread: int32(i), Comm: fmt.Sprintf("worker-%d", i),
				Event: "fscache_cookie", Obj: uint32(i%5 + 1), Text: fmt.Sprintf("c=%08x GET  hash r=%d", i%5+1, round+2)})
		}
	}
	failStep := step - 5 // thread 25's last event... the failure is in thread 27
	for i := range tr.Events {
		if tr.Events[i].Thread == 27 && tr.Events[i].Step > step-n {
			failStep = tr.Events[i].Step
		}
	}
	tr.Verdict = traces.Verdict{Verdict: traces.VerdictFail, Class: "invariant", Check: "I-2", Msg: "c=00000003: synthetic failure",
		Step: failStep, Thread: 27, ThreadName: "worker-27", Objects: []string{"c=00000003"}, Steps: step, Events: len(tr.Events),
		TimeNS: 11e6, Hash: "0000000000000000", Threads: tr.Verdict.Threads}
	return tr
}

// pageState is what the test reads from the loaded page.
type pageState struct {
	W, H        float64
	Failure     []float64 // the failure marker's label: left, top, right, bottom
	FailEvent   []float64 // the failing event's dot
	LaneTitle   []float64 // the failing thread's lane title
	Obj         string    // data-obj of the first event of the failing object
	Highlighted int       // events highlighted after the click
	OfObject    int       // events of that object
	WrongHL     int       // highlighted events of other objects
}

const rectJS = `function r(e){if(!e)return null;var b=e.getBoundingClientRect();return [b.left,b.top,b.right,b.bottom]}`

// TestHTMLPageInBrowser loads the HTML page of three traces in headless
// Chromium at 1400x900 and checks: no console error or exception, no
// network request, the failure marker and the failing thread's lane (its
// title and failing event) inside the first viewport, a click on an event
// highlights exactly its object's events; a 30-lane trace still shows the
// failure. Screenshots are kept under testdata/screenshots (not committed).
func TestHTMLPageInBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	dir := t.TempDir()
	shots := screenshotDir(t)
	failing := failingTrace(t)
	passing := filepath.Join(dir, "pass.trace.jsonl")
	if code, out, errs := runCLI("run", "--scenario", "lru-vs-use", "--seed", "3", "--trace", passing); code != exitPass {
		t.Fatalf("run: exit %d:\n%s%s", code, out, errs)
	}
	many := filepath.Join(dir, "many.html")
	if err := traces.WriteFileAtomic(many, func(w io.Writer) error { return traces.RenderHTML(w, manyLanesTrace(), traces.HTMLOptions{}) }); err != nil {
		t.Fatal(err)
	}
	pages := []struct {
		name, html string
		failThread int32 // -1: a passing run
	}{
		{"lru-vs-relinquish-fail", filepath.Join(dir, "fail.html"), -2},
		{"lru-vs-use-pass", filepath.Join(dir, "pass.html"), -1},
		{"thirty-lanes-fail", many, 27},
	}
	for _, p := range pages[:2] {
		src := failing
		if p.name == "lru-vs-use-pass" {
			src = passing
		}
		if code, out, errs := runCLI("render", "--html", p.html, src); code != exitPass {
			t.Fatalf("render: exit %d:\n%s%s", code, out, errs)
		}
	}
	tr, err := readTrace(failing)
	if err != nil {
		t.Fatal(err)
	}
	pages[0].failThread = tr.Verdict.Thread

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
			defer cancelT()
			pageURL := (&url.URL{Scheme: "file", Path: p.html}).String()
			var mu sync.Mutex
			var problems []string
			chromedp.ListenTarget(ctx, func(ev any) {
				mu.Lock()
				defer mu.Unlock()
				switch e := ev.(type) {
				case *runtime.EventConsoleAPICalled:
					if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
						problems = append(problems, fmt.Sprintf("console.%s", e.Type))
					}
				case *runtime.EventExceptionThrown:
					problems = append(problems, "exception: "+e.ExceptionDetails.Text)
				case *log.EventEntryAdded:
					if e.Entry.Level == log.LevelError {
						problems = append(problems, "log error: "+e.Entry.Text+" "+e.Entry.URL)
					}
				case *network.EventRequestWillBeSent:
					if u := e.Request.URL; u != pageURL && !strings.HasPrefix(u, "data:") {
						problems = append(problems, "network request: "+u)
					}
				}
			})
			var st pageState
			var png []byte
			err := chromedp.Run(ctx,
				network.Enable(), log.Enable(), runtime.Enable(),
				chromedp.EmulateViewport(1400, 900),
				chromedp.Navigate(pageURL),
				chromedp.WaitReady("body", chromedp.ByQuery),
				chromedp.Sleep(300*time.Millisecond),
				chromedp.CaptureScreenshot(&png),
				chromedp.Evaluate(fmt.Sprintf(`(function(){%s
var f=document.querySelector('#failure text');
var lt=null;document.querySelectorAll('.lane-title').forEach(function(x){var ts=(x.getAttribute('data-threads')||'').split(' ');if(ts.indexOf('%d')>=0&&!lt)lt=x});
return {W:window.innerWidth,H:window.innerHeight,Failure:r(f),FailEvent:r(document.querySelector('.ev.fail circle')),LaneTitle:r(lt)}})()`, rectJS, p.failThread), &st),
			)
			if err != nil {
				t.Fatalf("chromium: %v", err)
			}
			shot := filepath.Join(shots, p.name+".png")
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", shot)
			inView := func(what string, r []float64) {
				if r == nil {
					t.Errorf("%s: not on the page", what)
					return
				}
				if r[0] < 0 || r[1] < 0 || r[2] > st.W || r[3] > st.H || r[2] <= r[0] || r[3] <= r[1] {
					t.Errorf("%s is not inside the first %gx%g viewport: %v", what, st.W, st.H, r)
				}
			}
			if st.W != 1400 || st.H != 900 {
				t.Errorf("viewport %gx%g, want 1400x900", st.W, st.H)
			}
			if p.failThread != -1 {
				inView("the failure marker", st.Failure)
				inView("the failing event", st.FailEvent)
				inView("the failing thread's lane title", st.LaneTitle)
			}
			// Click an event of an object; its events, and only they, are
			// highlighted.
			var obj string
			if err := chromedp.Run(ctx, chromedp.Evaluate(`(function(){var e=[].slice.call(document.querySelectorAll('.ev')).filter(function(x){return x.getAttribute('data-obj')!=='0'});var m=e[Math.floor(e.length/2)];m.setAttribute('id','clickme');return m.getAttribute('data-obj')})()`, &obj),
				chromedp.Click("#clickme circle", chromedp.ByQuery, chromedp.NodeVisible),
				chromedp.Evaluate(`(function(){var o=document.getElementById('clickme').getAttribute('data-obj');var h=0,n=0,w=0;document.querySelectorAll('.ev').forEach(function(x){var hl=x.classList.contains('hl');if(x.getAttribute('data-obj')===o){n++;if(hl)h++}else if(hl)w++});return {Obj:o,Highlighted:h,OfObject:n,WrongHL:w}})()`, &st)); err != nil {
				t.Fatalf("chromium: %v", err)
			}
			if st.OfObject < 2 || st.Highlighted != st.OfObject || st.WrongHL != 0 {
				t.Errorf("click on an event of object %s: %d of its %d events highlighted, %d others", obj, st.Highlighted, st.OfObject, st.WrongHL)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(problems) > 0 {
				t.Errorf("the page logged errors or made requests: %q", problems)
			}
		})
	}
}
