package linkcheck

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxRecordBytes bounds one RECORD file: real ones list a few thousand
// files in well under a megabyte.
const maxRecordBytes = 16 << 20

// dists finds the Python distribution that owns a file: the *.dist-info
// directory beside some ancestor whose RECORD lists the file (PEP 376/627;
// paths in RECORD are relative to the directory holding the dist-info).
type dists struct {
	// byDir caches, per directory, the owners of files listed by the
	// dist-info directories it holds: absolute clean path → name.
	byDir map[string]map[string]string
}

func newDists() *dists { return &dists{byDir: map[string]map[string]string{}} }

// owner returns "name version" of the distribution whose RECORD lists
// file, looking in file's ancestors up to and including stop, or up to the
// nearest site-packages/dist-packages directory when there is one above
// it (so that checking site-packages/lxml still finds lxml's dist-info).
func (d *dists) owner(file, stop string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	stopAbs, err := filepath.Abs(stop)
	if err != nil {
		return ""
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if name, ok := d.dir(dir)[abs]; ok {
			return name
		}
		if b := filepath.Base(dir); b == "site-packages" || b == "dist-packages" {
			return "" // dist-info directories live here, never higher
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
		if (dir == stopAbs || !within(stopAbs, dir)) && !sitePackagesAbove(dir) {
			return ""
		}
	}
}

// sitePackagesAbove reports whether a component of dir is site-packages
// or dist-packages.
func sitePackagesAbove(dir string) bool {
	for _, c := range strings.Split(dir, string(filepath.Separator)) {
		if c == "site-packages" || c == "dist-packages" {
			return true
		}
	}
	return false
}

// within reports whether p is root or lies under it; both absolute, clean.
func within(root, p string) bool {
	if root == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// dir reads the RECORD files of the dist-info directories in dir.
func (d *dists) dir(dir string) map[string]string {
	if m, ok := d.byDir[dir]; ok {
		return m
	}
	m := map[string]string{}
	d.byDir[dir] = m
	entries, err := os.ReadDir(dir)
	if err != nil {
		return m
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasSuffix(e.Name(), ".dist-info") {
			continue
		}
		name := distName(e.Name())
		for _, p := range readRecord(filepath.Join(dir, e.Name(), "RECORD")) {
			if filepath.IsAbs(p) {
				continue
			}
			full := filepath.Join(dir, filepath.FromSlash(p))
			if _, taken := m[full]; !taken {
				m[full] = name
			}
		}
	}
	return m
}

// distName turns "lxml-5.3.0.dist-info" into "lxml 5.3.0".
func distName(dirName string) string {
	s := strings.TrimSuffix(dirName, ".dist-info")
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		return s[:i] + " " + s[i+1:]
	}
	return s
}

// readRecord returns the paths a RECORD lists (its first column).
// Unreadable or malformed RECORDs list nothing.
func readRecord(path string) []string {
	fd, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer fd.Close()
	r := csv.NewReader(io.LimitReader(fd, maxRecordBytes))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var out []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return out
		}
		if len(rec) > 0 && rec[0] != "" {
			out = append(out, rec[0])
		}
	}
}
