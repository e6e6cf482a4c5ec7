package main

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

	"github.com/gopatchelf/gopatchelf/hook"
)

func TestLogLines(t *testing.T) {
	var b bytes.Buffer
	l := newLogger(&b)
	l.Error("out/lib/x.so: malformed ELF: truncated")
	l.Warn("lxml and xmlsec differ")
	l.WithField("file", "out/.x.gopatchelf-1").Info("removed a temporary file")
	l.WithError(errors.New("boom")).Warn("cannot index")
	l.Debug("not shown at the default level")
	assert.Equal(t, "gopatchelf: error: out/lib/x.so: malformed ELF: truncated\n"+
		"gopatchelf: warning: lxml and xmlsec differ\n"+
		"gopatchelf: out/.x.gopatchelf-1: removed a temporary file\n"+
		"gopatchelf: warning: cannot index: boom\n", b.String())
	assert.Equal(t, logrus.InfoLevel, l.GetLevel())
}

func TestProgressLineStaysBelowLogLines(t *testing.T) {
	var b bytes.Buffer
	p := &progressWriter{w: &b}
	p.Write([]byte("before\n"))
	p.show("gopatchelf: 1/3 files")
	p.show("gopatchelf: 1/3 files") // unchanged: nothing written
	p.Write([]byte("gopatchelf: error: x\n"))
	p.show("gopatchelf: 2/3 files")
	p.show("")
	p.Write([]byte("after\n"))
	assert.Equal(t, "before\n"+
		clearLine+"gopatchelf: 1/3 files"+
		clearLine+"gopatchelf: error: x\n"+"gopatchelf: 1/3 files"+
		clearLine+"gopatchelf: 2/3 files"+
		clearLine+
		"after\n", b.String())
}

func TestIsTerminal(t *testing.T) {
	assert.False(t, isTerminal(&bytes.Buffer{}))
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestShowProgress(t *testing.T) {
	var out syncBuffer
	p := &progressWriter{w: &out}
	var cfg hook.Config
	stop := showProgress(p, &cfg, 0)
	require.NotNil(t, cfg.Progress)
	cfg.Progress(2, 5)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "gopatchelf: 2/5 files") },
		10*time.Second, 10*time.Millisecond)
	stop()
	assert.True(t, strings.HasSuffix(out.String(), clearLine), "the line is removed at the end")
}
