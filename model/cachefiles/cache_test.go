package cachefiles

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestHasSpaceThresholds walks the free space of a 1000-block, 1000-inode
// disk through the bands of cachefiles_has_space (defaults: run 7%, cull
// 5%, stop 1%: 70, 50 and 10 blocks or files) and checks the result, the
// CULLING flag with its hysteresis, the daemon notifications and the
// no-space counters, for blocks and for files.
func TestHasSpaceThresholds(t *testing.T) {
	type step struct {
		freeBlocks, freeFiles int64 // what to leave free (before the request)
		fnr, bnr              uint64
		why                   spaceFor
		wantErr               error
		wantCulling           bool
		wantNotify            int // notifications so far
	}
	steps := []step{
		{freeBlocks: 900, freeFiles: 900, wantCulling: false},
		{freeBlocks: 60, freeFiles: 900, wantCulling: false},                                                                  // cull < free < run: no change
		{freeBlocks: 49, freeFiles: 900, wantCulling: true, wantNotify: 1},                                                    // below cull
		{freeBlocks: 60, freeFiles: 900, wantCulling: true, wantNotify: 1},                                                    // hysteresis: stays on
		{freeBlocks: 60, freeFiles: 900, bnr: 51, why: spaceForWrite, wantErr: vfs.ENOBUFS, wantCulling: true, wantNotify: 1}, // 60-51 < stop
		{freeBlocks: 70, freeFiles: 900, wantCulling: false, wantNotify: 2},                                                   // at run: off
		{freeBlocks: 70, freeFiles: 900, bnr: 1, wantCulling: false, wantNotify: 2},                                           // 69 free: above cull, stays off
		{freeBlocks: 900, freeFiles: 10, fnr: 1, why: spaceForCreate, wantErr: vfs.ENOBUFS, wantCulling: true, wantNotify: 3},
		{freeBlocks: 900, freeFiles: 71, fnr: 1, wantCulling: false, wantNotify: 4}, // 70 >= run
	}

	k := sim.New(sim.Options{MaxSteps: 1 << 20})
	defer k.Close()
	f := fscache.New(k, model.Bugs{})
	fs := NewFS(k, vfs.Options{Blocks: 1000, Inodes: 1000})
	c := NewCache(fs, f)
	notified := 0
	run := func(fn func(th *sim.Thread)) {
		k.RunThread(k.Spawn("test", fn))
		k.RunUntilIdle()
		if fl := k.Failure(); fl != nil {
			t.Fatalf("failure: %v", fl)
		}
	}
	cfg := DefaultConfig()
	cfg.RootDir = "/"
	run(func(th *sim.Thread) {
		if err := c.Bind(th, cfg, func(*sim.Thread) { notified++ }); err != nil {
			t.Fatalf("bind: %v", err)
		}
	})
	if l := c.Limits(); l != (Limits{Frun: 70, Fcull: 50, Fstop: 10, Brun: 70, Bcull: 50, Bstop: 10}) {
		t.Fatalf("limits %+v", l)
	}
	// Fillers: one file holding blocks, and empty files holding inodes.
	var filler *vfs.File
	var inodes []string
	setFree := func(blocks, files int64) {
		sf, _ := fs.Statfs()
		if filler == nil {
			filler, _ = fs.Create(fs.Root(), "blocks", 0o600)
			sf, _ = fs.Statfs()
		}
		st, _ := fs.Stat(filler.Ino())
		have := st.Blocks * 512 / fs.BlockSize()
		target := have + sf.Bavail - blocks
		if err := fs.Truncate(filler.Ino(), 0); err != nil {
			t.Fatal(err)
		}
		if target > 0 {
			if _, err := fs.Write(filler, 0, make([]byte, target*fs.BlockSize())); err != nil {
				t.Fatalf("fill %d blocks: %v", target, err)
			}
		}
		for sf, _ = fs.Statfs(); sf.Ffree > files; sf, _ = fs.Statfs() {
			name := "i" + string(rune('a'+len(inodes)%26)) + string(rune('a'+len(inodes)/26%26)) + string(rune('a'+len(inodes)/676))
			g, err := fs.Create(fs.Root(), name, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			fs.Close(g)
			inodes = append(inodes, name)
		}
		for ; sf.Ffree < files; sf, _ = fs.Statfs() {
			fs.Unlink(fs.Root(), inodes[len(inodes)-1])
			inodes = inodes[:len(inodes)-1]
		}
		if sf, _ = fs.Statfs(); sf.Bavail != blocks || sf.Ffree != files {
			t.Fatalf("set free %d blocks %d files: got %+v", blocks, files, sf)
		}
	}
	for i, s := range steps {
		setFree(s.freeBlocks, s.freeFiles)
		nwr, ncr := f.Stats.NoWriteSpace, f.Stats.NoCreateSpace
		var err error
		run(func(th *sim.Thread) { err = c.hasSpace(th, s.fnr, s.bnr, s.why) })
		if err != s.wantErr || c.Culling() != s.wantCulling || notified != s.wantNotify {
			t.Errorf("step %d (%+v): err %v culling %v notified %d", i, s, err, c.Culling(), notified)
		}
		wantNwr, wantNcr := nwr, ncr
		if s.wantErr != nil && s.why == spaceForWrite {
			wantNwr++
		}
		if s.wantErr != nil && s.why == spaceForCreate {
			wantNcr++
		}
		if f.Stats.NoWriteSpace != wantNwr || f.Stats.NoCreateSpace != wantNcr {
			t.Errorf("step %d: no-space counters nwr=%d ncr=%d, want %d %d", i, f.Stats.NoWriteSpace, f.Stats.NoCreateSpace, wantNwr, wantNcr)
		}
	}
	// b_writing counts against the free blocks: 75 free, 30 in flight.
	setFree(75, 900)
	c.bWriting.Init(30)
	var err error
	run(func(th *sim.Thread) { err = c.hasSpace(th, 0, 0, spaceCheck) })
	if err != nil || !c.Culling() {
		t.Errorf("with 30 blocks in flight of 75 free: err %v culling %v, want culling on", err, c.Culling())
	}
	c.bWriting.Init(0)
	fs.Close(filler)
	run(func(th *sim.Thread) { c.Unbind(th) })
	if c.Ready() || len(fs.InUseInodes()) != 0 {
		t.Errorf("after unbind: ready %v, in-use %v", c.Ready(), fs.InUseInodes())
	}
}
