package cachefilesd

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestConfFiles parses every conf file under testdata/ and checks it
// against its expectation: the error, or the commands for the kernel and
// the daemon's own settings. A file without an expectation fails, so a new
// file cannot be forgotten.
func TestConfFiles(t *testing.T) {
	type want struct {
		err       string
		commands  []string // "line:text"
		dir       string
		cullTable int
		noCull    bool
	}
	cases := map[string]want{
		"default.conf": {commands: []string{"4:dir /var/cache/fscache", "5:tag mycache", "6:brun 10%", "7:bcull 7%",
			"8:bstop 3%", "9:frun 10%", "10:fcull 7%", "11:fstop 3%"}, dir: "/var/cache/fscache", cullTable: 4096},
		"minimal.conf": {commands: []string{"1:dir /var/cache/fscache"}, dir: "/var/cache/fscache", cullTable: 4096},
		"full.conf": {commands: []string{"4:dir /var/cache/fscache", "5:tag mycache",
			"6:secctx system_u:system_r:cachefiles_kernel_t:s0", "7:brun 20%", "8:bcull 10%", "9:bstop 5%",
			"10:frun 20%", "11:fcull 10%", "12:fstop 5%", "15:debug 0x7"},
			dir: "/var/cache/fscache", cullTable: 16384, noCull: true},
		"bad-unknown.conf":            {err: `bad-unknown.conf:3:unknown command "brunn"`},
		"bad-bind.conf":               {err: `bad-bind.conf:2:'bind' command not permitted`},
		"bad-unterminated.conf":       {err: `bad-unterminated.conf:2:Unterminated line`},
		"bad-culltable-range.conf":    {err: `bad-culltable-range.conf:2:Log2 of cull table size must be 12 <= N <= 20`},
		"bad-culltable-junk.conf":     {err: `bad-culltable-junk.conf:2:Invalid cull table size number`},
		"bad-culltable-word.conf":     {err: `bad-culltable-word.conf:2:unknown command "culltable"`},
		"bad-culltable-negative.conf": {err: `bad-culltable-negative.conf:2:Log2 of cull table size must be 12 <= N <= 20`},
		"bad-indented.conf":           {err: `bad-indented.conf:2:white space before "brun" (the kernel refuses the line: EOPNOTSUPP)`},
		"bad-nul.conf":                {err: `bad-nul.conf:2:Line contains a NUL character`},
		"bad-nodir.conf":              {err: `bad-nodir.conf: no 'dir' command: the cache has no root`},
		"bad-resume.conf":             {err: `bad-resume.conf:2:resume_thresholds is not supported (cachefilesd 0.10.x never recognises it and the kernel refuses it)`},
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
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			var got []string
			for _, cmd := range c.Commands {
				got = append(got, strings.Join([]string{strconv.Itoa(cmd.Line), cmd.Text}, ":"))
			}
			if !slices.Equal(got, w.commands) || c.Dir != w.dir || c.CullTable != w.cullTable || c.NoCull != w.noCull {
				t.Fatalf("got commands %q dir %q culltable %d nocull %v\nwant %q dir %q culltable %d nocull %v",
					got, c.Dir, c.CullTable, c.NoCull, w.commands, w.dir, w.cullTable, w.noCull)
			}
		})
	}
	for name := range cases {
		if !seen[name] {
			t.Errorf("expectation for %s, which is not in testdata/", name)
		}
	}
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
		{"", "c: no 'dir' command: the cache has no root"},
		{"dir /a\n\n\n", ""},
		{"dir /a\nculltable +13\n", ""},
		{"dir /a\nculltable\t 20\n", ""},
		{"dir /a\nculltable 99999999999999999999999\n", "c:2:Log2 of cull table size must be 12 <= N <= 20"},
		{"dir /a\nculltable x\n", "c:2:Invalid cull table size number"},
		{"dir /a\nculltable \n", "c:2:Log2 of cull table size must be 12 <= N <= 20"},
		{"dir /a\nnocull x\n", ""},
		{"dir /a\nnoculls\n", `c:2:unknown command "noculls"`},
		{"dir /a\nbind x\n", "c:2:'bind' command not permitted"},
		{"dir /a\nbinder\n", `c:2:unknown command "binder"`},
		{"dir /a\ncopen 1,2\n", `c:2:unknown command "copen"`},
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
