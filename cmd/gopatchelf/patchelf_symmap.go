package main

// The --rename-dynamic-symbols map file, read as patchelf 0.19 reads it.

import (
	"bufio"
	"errors"
	"os"
	"strings"
)

// peReadSymbolMap adds the pairs of a --rename-dynamic-symbols map file to
// m, as patchelf reads it: "old new" per line, separated by blanks, extra
// words ignored; reading stops at the first blank line. A name given twice
// (in any map file of the command line) or containing '@' is an error
// naming the file and line.
func peReadSymbolMap(name string, m map[string]string) error {
	fd, err := os.Open(name)
	if err != nil {
		return peErrorf("Cannot open map file %s: %s", name, peErrnoText(err))
	}
	defer fd.Close()
	sc := bufio.NewScanner(fd)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 1
	for sc.Scan() {
		words := strings.Fields(sc.Text())
		if len(words) == 0 {
			break
		}
		if len(words) < 2 {
			return peErrorf("%s:%d: Map file line is missing the second element", name, line)
		}
		from, to := words[0], words[1]
		if _, dup := m[from]; dup {
			return peErrorf("%s:%d: Name '%s' appears twice in the map file", name, line, from)
		}
		if strings.Contains(from, "@") || strings.Contains(to, "@") {
			return peErrorf("%s:%d: Name pair contains version tag: %s %s", name, line, from, to)
		}
		m[from] = to
		line++
	}
	if err := sc.Err(); err != nil {
		return peErrorf("reading map file %s: %v", name, err)
	}
	return nil
}

// peErrnoText is the strerror text of err, capitalised as glibc prints it.
func peErrnoText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	s := err.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}
