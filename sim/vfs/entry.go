package vfs

// Entry reports what name in directory dir is, from the disk's own state:
// no scheduling point, no fault injected, nothing counted (a view for
// checks and scripts, not an operation of the modelled code).
func (fs *FS) Entry(dir Ino, name string) (Ino, bool) {
	ino, err := fs.find(dir, name)
	return ino, err == nil
}
