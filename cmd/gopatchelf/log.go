package main

import (
	"bytes"
	"io"
	"sync"

	"github.com/sirupsen/logrus"
)

// newLogger is the one logger of a run: plain "gopatchelf: level: message"
// lines on stderr, no timestamps, no colours.
func newLogger(w io.Writer) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(lineFormatter{})
	l.SetLevel(logrus.InfoLevel)
	return l
}

type lineFormatter struct{}

func (lineFormatter) Format(e *logrus.Entry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("gopatchelf: ")
	switch e.Level {
	case logrus.ErrorLevel, logrus.FatalLevel, logrus.PanicLevel:
		b.WriteString("error: ")
	case logrus.WarnLevel:
		b.WriteString("warning: ")
	case logrus.DebugLevel, logrus.TraceLevel:
		b.WriteString("debug: ")
	}
	if f, ok := e.Data["file"].(string); ok {
		b.WriteString(f)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if err, ok := e.Data[logrus.ErrorKey].(error); ok {
		b.WriteString(": ")
		b.WriteString(err.Error())
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// progressWriter is stderr on a terminal with a progress line at the
// bottom: every other write first clears that line, then redraws it.
type progressWriter struct {
	mu   sync.Mutex
	w    io.Writer
	line string
}

const clearLine = "\r\x1b[K"

func (p *progressWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line != "" {
		io.WriteString(p.w, clearLine)
	}
	n, err := p.w.Write(b)
	if p.line != "" {
		io.WriteString(p.w, p.line)
	}
	return n, err
}

// show replaces the progress line; "" removes it.
func (p *progressWriter) show(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if line == p.line {
		return
	}
	io.WriteString(p.w, clearLine+line)
	p.line = line
}
