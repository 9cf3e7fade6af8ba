package cachefiles

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestOndemandCommands: the on-demand commands' argument checks and
// errors, in the order 6.12 makes them, on a device built with and
// without CONFIG_CACHEFILES_ONDEMAND.
func TestOndemandCommands(t *testing.T) {
	type step struct {
		cmd  string
		want error
	}
	cases := []struct {
		name     string
		ondemand bool
		steps    []step
	}{
		{"without CONFIG_CACHEFILES_ONDEMAND", false, []step{
			{"dir /", nil},
			{"copen 1,0", vfs.EOPNOTSUPP}, // unknown command
			{"restore", vfs.EOPNOTSUPP},
			{"bind ondemand", vfs.EINVAL}, // bind takes no argument
			{"bind", nil},
		}},
		{"on-demand device, cache not in on-demand mode", true, []step{
			{"dir /", nil},
			{"copen 1,0", vfs.EOPNOTSUPP}, // the mode bit is not set
			{"restore", vfs.EOPNOTSUPP},
			{"bind other", vfs.EINVAL},
			{"bind", nil},
			{"copen 1,0", vfs.EOPNOTSUPP},
		}},
		{"on-demand mode", true, []step{
			{"dir /", nil},
			{"bind ondemand", nil},
			{"bind ondemand", vfs.EBUSY},
			{"copen", vfs.EINVAL},      // empty id
			{"copen 1", vfs.EINVAL},    // no size
			{"copen x,1", vfs.EINVAL},  // kstrtoul
			{"copen 1x,1", vfs.EINVAL}, // kstrtoul: trailing junk
			{"copen 99999999999999999999,1", vfs.ERANGE},
			{"copen 5,0", vfs.EINVAL},    // no such request
			{"copen 0x5,-5", vfs.EINVAL}, // no such request: the size is not looked at
			{"restore", nil},
			{"restore with args", nil}, // restore ignores its argument
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(sim.Options{Seed: 1, MaxSteps: 1 << 20})
			defer k.Close()
			f := fscache.New(k, model.Bugs{})
			c := NewCacheFS(f, vfs.Options{Blocks: 1000, Inodes: 1000})
			dev := NewDevice()
			if tc.ondemand {
				dev = NewOndemandDevice()
			}
			k.RunThread(k.Spawn("daemon", func(th *sim.Thread) {
				file, err := dev.Open(th, func() CacheOps { return c })
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range tc.steps {
					_, err := file.Write(th, []byte(s.cmd))
					if err != s.want {
						t.Errorf("%q: %v, want %v", s.cmd, err, s.want)
					}
				}
				buf := make([]byte, MsgMaxSize)
				n, err := file.Read(th, buf)
				if c.InOndemandMode() && (n != 0 || err != nil) {
					t.Errorf("read with no request: %d, %v; want 0", n, err)
				}
				if m, _ := file.Poll(th); c.InOndemandMode() && m&EPOLLIN != 0 {
					t.Errorf("poll with no request: %v", m)
				}
				file.Release(th)
			}))
			if fl := k.Failure(); fl != nil {
				t.Fatal(fl)
			}
		})
	}
}
