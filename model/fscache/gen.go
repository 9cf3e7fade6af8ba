package fscache

// The stores that move a cookie's generation (Cookie.Gen, views.go): the
// checker reads a cookie again only when it moved (checker/doc.go,
// "Incremental checks").

// watch makes the cookie's sim fields bump its generation.
func (c *Cookie) watch() {
	c.ref.Watch(&c.gen)
	c.nActive.Watch(&c.gen)
	c.nAccesses.Watch(&c.gen)
	c.flags.Watch(&c.gen)
	c.state.Watch(&c.gen)
	c.lock.Watch(&c.gen)
	c.work.Watch(&c.gen)
}

// push is hlist_bl_add_head(): c goes first on the bucket's chain. The
// chain is one of c's views (the checker scans it), so c's generation moves.
func (b *cookieBucket) push(c *Cookie) {
	b.chain = append([]*Cookie{c}, b.chain...)
	c.gen++
}

// remove is hlist_bl_del() of the chain's i-th cookie.
func (b *cookieBucket) remove(i int) {
	b.chain[i].gen++
	b.chain = append(b.chain[:i:i], b.chain[i+1:]...)
}

// setOnLRU records whether commit_link is on the LRU list; the list
// changes in the same step.
func (c *Cookie) setOnLRU(on bool) { c.onLRU = on; c.gen++ }

// bumpInvalCounter is inval_counter++.
func (c *Cookie) bumpInvalCounter() { c.InvalCounter++; c.gen++ }
