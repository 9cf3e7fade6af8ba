package netfs

import (
	"bytes"

	"github.com/fscachesim/fscachesim/sim"
)

// RPCLatency is how long one round trip to the server takes.
const RPCLatency = 100 * sim.Microsecond

// Server is the file server: the authoritative contents and change
// attribute of every file, with the history of contents by change
// attribute so that a client's read can be checked against what the file
// held at the version the client believes it has.
type Server struct {
	lock  sim.Mutex
	files map[uint64]*ServerFile // by inode number (lookups only)
}

// ServerFile is one file on the server.
type ServerFile struct {
	Ino     uint64
	Change  uint64
	Data    []byte
	history map[uint64][]byte // contents at each change attribute
}

// NewServer makes a server with no files.
func NewServer() *Server {
	s := &Server{files: map[uint64]*ServerFile{}}
	s.lock.Name = "server lock"
	return s
}

// Create makes file ino with the given contents (change attribute 1).
func (s *Server) Create(ino uint64, data []byte) *ServerFile {
	f := &ServerFile{Ino: ino, Change: 1, Data: append([]byte(nil), data...), history: map[uint64][]byte{}}
	f.history[1] = append([]byte(nil), data...)
	s.files[ino] = f
	return f
}

func (s *Server) rpc(t *sim.Thread) {
	t.Sleep(RPCLatency)
	s.lock.Lock(t)
}

// GetAttr returns the file's size and change attribute.
func (s *Server) GetAttr(t *sim.Thread, ino uint64) (size int64, change uint64) {
	s.rpc(t)
	f := s.files[ino]
	size, change = int64(len(f.Data)), f.Change
	s.lock.Unlock(t)
	return size, change
}

// Read returns the file's bytes in [off, off+n) and the change attribute
// they belong to.
func (s *Server) Read(t *sim.Thread, ino uint64, off, n int64) ([]byte, uint64) {
	s.rpc(t)
	f := s.files[ino]
	out := make([]byte, n)
	if off < int64(len(f.Data)) {
		copy(out, f.Data[off:])
	}
	change := f.Change
	s.lock.Unlock(t)
	return out, change
}

// Write stores data at off and bumps the change attribute, which it returns.
func (s *Server) Write(t *sim.Thread, ino uint64, off int64, data []byte) uint64 {
	s.rpc(t)
	f := s.files[ino]
	if end := off + int64(len(data)); end > int64(len(f.Data)) {
		f.Data = append(f.Data, make([]byte, end-int64(len(f.Data)))...)
	}
	copy(f.Data[off:], data)
	f.bump()
	change := f.Change
	s.lock.Unlock(t)
	return change
}

// Truncate sets the file's size and bumps the change attribute.
func (s *Server) Truncate(t *sim.Thread, ino uint64, size int64) uint64 {
	s.rpc(t)
	f := s.files[ino]
	if size < int64(len(f.Data)) {
		f.Data = f.Data[:size]
	} else {
		f.Data = append(f.Data, make([]byte, size-int64(len(f.Data)))...)
	}
	f.bump()
	change := f.Change
	s.lock.Unlock(t)
	return change
}

func (f *ServerFile) bump() {
	f.Change++
	f.history[f.Change] = append([]byte(nil), f.Data...)
}

// At returns the file's contents at change attribute change.
func (s *Server) At(ino uint64, change uint64) ([]byte, bool) {
	f := s.files[ino]
	if f == nil {
		return nil, false
	}
	d, ok := f.history[change]
	return d, ok
}

// Matches reports whether data is what file ino held in [off, off+len)
// at change attribute change (bytes past the end read as zero).
func (s *Server) Matches(ino uint64, change uint64, off int64, data []byte) bool {
	snap, ok := s.At(ino, change)
	if !ok {
		return false
	}
	want := make([]byte, len(data))
	if off < int64(len(snap)) {
		copy(want, snap[off:])
	}
	return bytes.Equal(want, data)
}
