package cachefilesd

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/sim"
)

// TestConfFiles parses every conf file under testdata/ and checks it
// against its expectation: the error the daemon finds itself, or the
// commands for the kernel and the daemon's own settings; then it runs the
// daemon on the conf against the control device and checks how the start
// ends: bound ("") or the one-line error 0.10.10 prints, from the kernel's
// answer to a line it refuses or from the daemon's own check, which comes
// only after the lines before it were sent. A file without an expectation
// fails, so a new file cannot be forgotten.
func TestConfFiles(t *testing.T) {
	type want struct {
		err       string
		commands  []string // "line:text"
		dir       string
		cullTable int
		noCull    bool
		run       string // how the daemon's start ends ("": bound)
	}
	const eopnotsupp = "CacheFiles gave config error: Operation not supported"
	cases := map[string]want{
		"default.conf": {commands: []string{"4:dir /var/cache/fscache", "5:tag mycache", "6:brun 10%", "7:bcull 7%",
			"8:bstop 3%", "9:frun 10%", "10:fcull 7%", "11:fstop 3%"}, dir: "/var/cache/fscache", cullTable: 4096},
		"minimal.conf": {commands: []string{"1:dir /var/cache/fscache"}, dir: "/var/cache/fscache", cullTable: 4096},
		// nocull goes to the kernel, which has no such command.
		"full.conf": {commands: []string{"4:dir /var/cache/fscache", "5:tag mycache",
			"6:secctx system_u:system_r:cachefiles_kernel_t:s0", "7:brun 20%", "8:bcull 10%", "9:bstop 5%",
			"10:frun 20%", "11:fcull 10%", "12:fstop 5%", "14:  nocull", "15:debug 0x7"},
			dir: "/var/cache/fscache", cullTable: 16384, noCull: true, run: "full.conf:14:" + eopnotsupp},
		"bad-unknown.conf": {commands: []string{"1:dir /var/cache/fscache", "2:tag mycache", "3:brunn 10%"},
			dir: "/var/cache/fscache", cullTable: 4096, run: "bad-unknown.conf:3:" + eopnotsupp},
		"bad-bind.conf":               {err: `bad-bind.conf:2:'bind' command not permitted`},
		"bad-unterminated.conf":       {err: `bad-unterminated.conf:2:Unterminated line`},
		"bad-culltable-range.conf":    {err: `bad-culltable-range.conf:2:Log2 of cull table size must be 12 <= N <= 20`},
		"bad-culltable-junk.conf":     {err: `bad-culltable-junk.conf:2:Invalid cull table size number`},
		"bad-culltable-negative.conf": {err: `bad-culltable-negative.conf:2:Log2 of cull table size must be 12 <= N <= 20`},
		"bad-nul.conf":                {err: `bad-nul.conf:2:Line contains a NUL character`},
		// "culltable" with nothing after it is not the daemon's command.
		"bad-culltable-word.conf": {commands: []string{"1:dir /var/cache/fscache", "2:culltable"},
			dir: "/var/cache/fscache", cullTable: 4096, run: "bad-culltable-word.conf:2:" + eopnotsupp},
		"bad-indented.conf": {commands: []string{"1:dir /var/cache/fscache", "2:  brun 10%"},
			dir: "/var/cache/fscache", cullTable: 4096, run: "bad-indented.conf:2:" + eopnotsupp},
		"bad-nodir.conf": {commands: []string{"2:tag mycache"}, cullTable: 4096,
			run: "CacheFiles bind failed: errno 22 (Invalid argument)"},
		"bad-resume.conf": {commands: []string{"1:dir /var/cache/fscache", "2:resume_thresholds 1000 -"},
			dir: "/var/cache/fscache", cullTable: 4096, run: "bad-resume.conf:2:" + eopnotsupp},
	}
	files, err := filepath.Glob("testdata/*.conf")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			w, ok := cases[name]
			if !ok {
				t.Fatalf("no expectation for %s", path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseConf(name, data)
			if w.err != "" {
				if err == nil || err.Error() != w.err {
					t.Fatalf("error %v, want %s", err, w.err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error is not one line: %q", err)
				}
				w.run = w.err // the daemon sends the lines before it, then stops
			} else if err != nil {
				t.Fatalf("unexpected error: %v", err)
			} else {
				var got []string
				for _, cmd := range c.Commands {
					got = append(got, strings.Join([]string{strconv.Itoa(cmd.Line), cmd.Text}, ":"))
				}
				if !slices.Equal(got, w.commands) || c.Dir != w.dir || c.CullTable != w.cullTable || c.NoCull != w.noCull {
					t.Fatalf("got commands %q dir %q culltable %d nocull %v\nwant %q dir %q culltable %d nocull %v",
						got, c.Dir, c.CullTable, c.NoCull, w.commands, w.dir, w.cullTable, w.noCull)
				}
			}
			if got := startDaemon(t, c); got != w.run {
				t.Fatalf("the daemon's start ends with %q, want %q", got, w.run)
			}
		})
	}
	for name := range cases {
		if !seen[name] {
			t.Errorf("expectation for %s, which is not in testdata/", name)
		}
	}
}

// startDaemon runs a daemon on conf against the control device and a fake
// cache over /var/cache/fscache, stops it once bound, and returns its
// error ("" if it bound and stopped cleanly).
func startDaemon(t *testing.T, conf *Conf) string {
	t.Helper()
	m := newMachine(1)
	m.mkdirAll("/var/cache/fscache/cache")
	m.mkdirAll("/var/cache/fscache/graveyard")
	cache := &diskCache{fs: m.fs, maxInodes: 100}
	d := New(conf, m.fs, m.dev, func() cachefiles.CacheOps { return cache }, Options{})
	m.live = true
	m.k.Spawn("cachefilesd", d.Run)
	m.k.Spawn("admin", func(t *sim.Thread) {
		if d.WaitBound(t) == nil {
			d.Stop(t)
		}
	})
	if res := m.k.Run(); res.Failure != nil {
		t.Fatal(res.Failure)
	}
	if m.dev.IsOpen() {
		t.Fatal("the device is still open after the daemon ended")
	}
	if d.Err() == nil {
		return ""
	}
	return d.Err().Error()
}

// TestConfLimits covers what the files cannot show conveniently: line
// length, the end of the file, culltable's strtoul forms.
func TestConfLimits(t *testing.T) {
	long := "tag " + strings.Repeat("a", 4090) // 4095 bytes with its newline: the most a line may have
	cases := []struct {
		conf string
		err  string
	}{
		{"dir /a\n" + long + "\n", ""},
		{"dir /a\n" + long + "a\n", "c:2:Line too long"},
		{"", ""}, // no dir: the kernel refuses bind (TestConfFiles, bad-nodir.conf)
		{"dir /a\n\n\n", ""},
		{"dir /a\nculltable +13\n", ""},
		{"dir /a\nculltable\t 20\n", ""},
		{"dir /a\nculltable 99999999999999999999999\n", "c:2:Log2 of cull table size must be 12 <= N <= 20"},
		{"dir /a\nculltable x\n", "c:2:Invalid cull table size number"},
		{"dir /a\nculltable \n", "c:2:Log2 of cull table size must be 12 <= N <= 20"},
		{"dir /a\nnocull x\n", ""},
		{"dir /a\nnoculls\n", ""}, // for the kernel to refuse
		{"dir /a\nbind x\n", "c:2:'bind' command not permitted"},
		{"dir /a\nbinder\n", ""},
		{"dir /a\ncopen 1,2\n", ""},
		{"dir /a\nresume_thresholds\n", ""}, // even alone: the 18th byte compared is the NUL, the 19th must be a space
		{"dir /a\n" + "dir " + strings.Repeat("b", 4087) + "\n", "c:2:Cache pathname is too long"},
	}
	for _, tc := range cases {
		_, err := ParseConf("c", []byte(tc.conf))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			short := tc.conf
			if len(short) > 40 {
				short = short[:40] + "..."
			}
			t.Errorf("ParseConf(%q): %q, want %q", short, got, tc.err)
		}
	}
}
