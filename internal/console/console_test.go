package console

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogLines(t *testing.T) {
	var b bytes.Buffer
	l := NewLogger(&b, false)
	l.Error("out/lib/x.so: malformed ELF: truncated")
	l.Warn("lxml and xmlsec differ")
	l.WithField("file", "out/.x.gopatchelf-1").Info("removed a temporary file")
	l.WithError(errors.New("boom")).Warn("cannot index")
	Hintf(l, "libpq.so.5 is usually provided by %s", "postgresql.lib")
	Rawf(l, logrus.ErrorLevel, "auto-patchelf failed to find all the required dependencies.")
	l.Debug("not shown at the default level")
	assert.Equal(t, "gopatchelf: error: out/lib/x.so: malformed ELF: truncated\n"+
		"gopatchelf: warning: lxml and xmlsec differ\n"+
		"gopatchelf: out/.x.gopatchelf-1: removed a temporary file\n"+
		"gopatchelf: warning: cannot index: boom\n"+
		"gopatchelf: hint: libpq.so.5 is usually provided by postgresql.lib\n"+
		"auto-patchelf failed to find all the required dependencies.\n", b.String())
	assert.Equal(t, logrus.InfoLevel, l.GetLevel())
}

func TestVerboseShowsDebug(t *testing.T) {
	var b bytes.Buffer
	l := NewLogger(&b, true)
	l.WithField("libraries", 3).WithField("dir", "/lib").Debug("index built")
	assert.Equal(t, "gopatchelf: debug: index built (dir=/lib, libraries=3)\n", b.String())
}

// countingWriter records each Write call.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func (w *countingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.writes, "")
}

// With stdout and stderr on one file, the lines appear in the order they
// were produced, each whole: stdout is written line by line before any
// stderr line, and never a partial line.
func TestConsoleKeepsLinesWholeAndInOrder(t *testing.T) {
	var both countingWriter
	c := New(&both, &both)
	out := c.Stdout()
	log := NewLogger(c.Stderr(), false)
	out.Write([]byte("searching for dependencies of a\n    libx.so -> "))
	log.Error("b: truncated")
	out.Write([]byte("not found!\n"))
	require.NoError(t, c.Flush())
	assert.Equal(t, []string{
		"searching for dependencies of a\n",
		"gopatchelf: error: b: truncated\n",
		"    libx.so -> not found!\n",
	}, both.writes)
}

func TestConsoleWritesLargeOutputInWholeLines(t *testing.T) {
	var w countingWriter
	c := New(&w, &w)
	line := strings.Repeat("x", 99) + "\n"
	for range 3 * pendingLimit / len(line) {
		c.Stdout().Write([]byte(line[:50]))
		c.Stdout().Write([]byte(line[50:]))
	}
	require.NoError(t, c.Flush())
	require.Greater(t, len(w.writes), 1, "output is written as it grows, not only at the end")
	for _, s := range w.writes {
		assert.True(t, strings.HasSuffix(s, "\n"), "a write ends a line")
	}
}

func TestProgressLineIsErasedBeforeEveryLine(t *testing.T) {
	var b bytes.Buffer
	c := &Console{out: &b, err: &b, tty: true}
	c.Stdout().Write([]byte("before\n"))
	c.Flush()
	c.show("gopatchelf: 1/3 files")
	c.show("gopatchelf: 1/3 files") // unchanged: nothing written
	c.Stderr().Write([]byte("gopatchelf: error: x\n"))
	c.Stdout().Write([]byte("setting RPATH to: /x\n"))
	c.show("gopatchelf: 2/3 files")
	c.Stdout().Write([]byte("half a "))
	c.show("")
	c.Stdout().Write([]byte("line\n"))
	c.Flush()
	assert.Equal(t, "before\n"+
		clearLine+"gopatchelf: 1/3 files"+
		clearLine+"gopatchelf: error: x\n"+"gopatchelf: 1/3 files"+
		clearLine+"setting RPATH to: /x\n"+"gopatchelf: 1/3 files"+ // held lines go out before a redraw
		clearLine+"gopatchelf: 2/3 files"+
		clearLine+
		"half a line\n", b.String())
}

func TestIsTerminal(t *testing.T) {
	assert.False(t, isTerminal(&bytes.Buffer{}))
}

// With the line shown, every change is drawn (Every 0), each erasing the
// line before it, and Stop erases the last.
func TestProgressLine(t *testing.T) {
	var out countingWriter
	c := &Console{out: &out, err: &out, tty: true}
	p := c.StartProgress(Timing{})
	p.Set(1, 3)
	c.Stdout().Write([]byte("searching for dependencies of a\n"))
	p.Set(2, 3)
	p.Set(3, 3)
	p.Stop()
	p.Stop() // a second Stop does nothing
	require.NoError(t, c.Flush())
	assert.Equal(t, clearLine+"gopatchelf: indexing libraries"+
		clearLine+"gopatchelf: 1/3 ELF files"+
		clearLine+"searching for dependencies of a\n"+"gopatchelf: 1/3 ELF files"+
		clearLine+"gopatchelf: 2/3 ELF files"+
		clearLine+"gopatchelf: 3/3 ELF files"+
		clearLine, out.String())
}

// A run shorter than After shows no line at all.
func TestProgressNotBeforeAfter(t *testing.T) {
	var out countingWriter
	c := &Console{out: &out, err: &out, tty: true}
	p := c.StartProgress(Timing{After: time.Hour})
	p.Set(1, 3)
	p.Stop()
	assert.Empty(t, out.String())
}

// The line appears by itself once After has passed, even with no change.
func TestProgressAppearsAfter(t *testing.T) {
	var out countingWriter
	c := &Console{out: &out, err: &out, tty: true}
	p := c.StartProgress(Timing{After: time.Millisecond, Every: time.Hour})
	p.Set(2, 5)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "gopatchelf: 2/5 ELF files") },
		10*time.Second, 10*time.Millisecond)
	p.Stop()
	assert.True(t, strings.HasSuffix(out.String(), clearLine), "the line is removed at the end")
}

func TestNoProgressOffATerminal(t *testing.T) {
	var out countingWriter
	c := New(&out, &out)
	require.False(t, c.Interactive())
	p := c.StartProgress(Timing{})
	p.Set(2, 5)
	p.Stop()
	assert.Empty(t, out.String())
}
