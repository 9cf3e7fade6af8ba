package vfs

// EntryView is what name in directory dir refers to now, without
// Lookup's fault point and wait: a checker's independent view of the
// namespace. False if dir is not a directory or has no such entry.
func (fs *FS) EntryView(dir Ino, name string) (Ino, bool) {
	d, err := fs.dirNode(dir)
	if err != nil {
		return 0, false
	}
	return d.entry(name)
}
