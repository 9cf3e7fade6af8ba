package cachefiles

import (
	"fmt"

	"github.com/fscachesim/fscachesim/sim"
)

// fakeCache is a CacheOps that records its calls and answers what the test
// set. The device's tests never touch the real backend.
type fakeCache struct {
	calls []string

	bindErr, cullErr, inuseErr, statusErr error
	status                                Status

	bound  bool
	notify func(t *sim.Thread)
	cfg    Config // as bound
}

func (c *fakeCache) Bind(t *sim.Thread, cfg Config, notify func(t *sim.Thread)) error {
	c.calls = append(c.calls, fmt.Sprintf("Bind dir=%q tag=%q secctx=%q f=%d/%d/%d b=%d/%d/%d debug=%d",
		cfg.RootDir, cfg.Tag, cfg.Secctx, cfg.Frun, cfg.Fcull, cfg.Fstop, cfg.Brun, cfg.Bcull, cfg.Bstop, cfg.Debug))
	if c.bindErr != nil {
		return c.bindErr
	}
	c.bound, c.notify, c.cfg = true, notify, cfg
	return nil
}

func (c *fakeCache) Unbind(t *sim.Thread) {
	c.calls = append(c.calls, "Unbind")
	c.bound = false
}

func (c *fakeCache) Cull(t *sim.Thread, dir, name string) error {
	c.calls = append(c.calls, fmt.Sprintf("Cull %q %q", dir, name))
	return c.cullErr
}

func (c *fakeCache) Inuse(t *sim.Thread, dir, name string) error {
	c.calls = append(c.calls, fmt.Sprintf("Inuse %q %q", dir, name))
	return c.inuseErr
}

func (c *fakeCache) Status(t *sim.Thread) (Status, error) {
	c.calls = append(c.calls, "Status")
	st := c.status
	c.status.FReleased, c.status.BReleased = 0, 0
	return st, c.statusErr
}

// takeCalls returns the calls since the last take.
func (c *fakeCache) takeCalls() []string {
	out := c.calls
	c.calls = nil
	return out
}

// flagCache is a fakeCache that also keeps the backend's flag bits, as
// the real backend does: CULLING for poll and DEAD from an I/O error.
type flagCache struct {
	fakeCache
	cullingBit, deadBit bool
}

func (c *flagCache) Culling() bool { return c.cullingBit }
func (c *flagCache) Dead() bool    { return c.deadBit }

var (
	_ CacheOps    = (*fakeCache)(nil)
	_ CullingFlag = (*flagCache)(nil)
	_ DeadFlag    = (*flagCache)(nil)
)
