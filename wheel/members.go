package wheel

import (
	"archive/zip"
	"bytes"
	"io/fs"
)

// memberFS is the wheel as a file system (*zip.Reader), whose ELF members,
// already read and decompressed by readMembers, are served from memory:
// indexing them costs no second decompression.
type memberFS struct {
	zr   *zip.Reader
	data map[string]memberData
}

type memberData struct {
	data []byte
	info fs.FileInfo
}

func newMemberFS(zr *zip.Reader, members []elfMember) memberFS {
	m := memberFS{zr: zr, data: make(map[string]memberData, len(members))}
	for _, em := range members {
		f := zr.File[em.idx]
		// zip.Reader's file system names a member by its name when
		// that is a valid fs path; any other is read from the zip.
		if fs.ValidPath(f.Name) {
			m.data[f.Name] = memberData{em.data, f.FileInfo()}
		}
	}
	return m
}

func (m memberFS) Open(name string) (fs.File, error) {
	if d, ok := m.data[name]; ok {
		return &memberFile{Reader: bytes.NewReader(d.data), info: d.info}, nil
	}
	return m.zr.Open(name)
}

// memberFile is a member read into memory: an io.ReaderAt, which
// libindex reads at offsets.
type memberFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *memberFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memberFile) Close() error               { return nil }
