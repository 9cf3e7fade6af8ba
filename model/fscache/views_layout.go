package fscache

// Fscache is the fscache instance the cache belongs to (a view for
// checkers that start from a backend's cache: checker/layout.go finds a
// cookie by its debug id through it).
func (c *Cache) Fscache() *Fscache { return c.f }
