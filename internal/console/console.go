package console

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// NewLogger is the one logger of a run, writing to w (a [Console]'s
// Stderr): info and above, and debug lines too when verbose.
func NewLogger(w io.Writer, verbose bool) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(lineFormatter{})
	l.SetLevel(logrus.InfoLevel)
	if verbose {
		l.SetLevel(logrus.DebugLevel)
	}
	return l
}

// Fields the formatter knows. Others are printed after the message as
// "(k=v, k=v)".
const (
	FieldFile = "file" // printed before the message: "gopatchelf: FILE: message"
	fieldHint = "hint" // a hint: "gopatchelf: hint: message"; see Hintf
	fieldRaw  = "raw"  // the message alone, as upstream's fixed texts are; see Rawf
)

type lineFormatter struct{}

func (lineFormatter) Format(e *logrus.Entry) ([]byte, error) {
	var b bytes.Buffer
	if raw, _ := e.Data[fieldRaw].(bool); raw {
		b.WriteString(e.Message)
		b.WriteByte('\n')
		return b.Bytes(), nil
	}
	b.WriteString("gopatchelf: ")
	if hint, _ := e.Data[fieldHint].(bool); hint {
		b.WriteString("hint: ")
	} else {
		switch e.Level {
		case logrus.ErrorLevel, logrus.FatalLevel, logrus.PanicLevel:
			b.WriteString("error: ")
		case logrus.WarnLevel:
			b.WriteString("warning: ")
		case logrus.DebugLevel, logrus.TraceLevel:
			b.WriteString("debug: ")
		}
	}
	if f, ok := e.Data[FieldFile].(string); ok {
		b.WriteString(f)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if err, ok := e.Data[logrus.ErrorKey].(error); ok {
		b.WriteString(": ")
		b.WriteString(err.Error())
	}
	if extra := extraFields(e.Data); extra != "" {
		b.WriteString(" (" + extra + ")")
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// extraFields renders the fields the format has no place for, sorted,
// as "k=v, k=v".
func extraFields(data logrus.Fields) string {
	var keys []string
	for k := range data {
		switch k {
		case FieldFile, fieldHint, fieldRaw, logrus.ErrorKey:
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	var b bytes.Buffer
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", k, data[k])
	}
	return b.String()
}

// Hintf logs a hint: "gopatchelf: hint: message".
func Hintf(log logrus.FieldLogger, format string, a ...any) {
	log.WithField(fieldHint, true).Infof(format, a...)
}

// Rawf logs a line as it is, with no "gopatchelf: " prefix, for the texts
// the auto-patchelf contract fixes.
func Rawf(log logrus.FieldLogger, level logrus.Level, format string, a ...any) {
	log.WithField(fieldRaw, true).Logf(level, format, a...)
}

// Console is a run's stdout and stderr; see the package documentation.
// Its methods may be called from several goroutines.
type Console struct {
	mu      sync.Mutex
	out     io.Writer
	err     io.Writer
	pending []byte // stdout bytes not written yet
	line    string // the progress line shown on err, "" for none
	tty     bool   // err is a terminal: progress may be shown
}

// pendingLimit is how much stdout the console holds before it writes the
// complete lines it has.
const pendingLimit = 64 << 10

// New is the console over a run's stdout and stderr. The progress line is
// shown only when stderr is a terminal.
func New(stdout, stderr io.Writer) *Console {
	return &Console{out: stdout, err: stderr, tty: isTerminal(stderr)}
}

// Stdout is the console's stdout side.
func (c *Console) Stdout() io.Writer { return consoleOut{c} }

// Stderr is the console's stderr side, the logger's output.
func (c *Console) Stderr() io.Writer { return consoleErr{c} }

type consoleOut struct{ c *Console }

func (o consoleOut) Write(b []byte) (int, error) {
	c := o.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, b...)
	if len(c.pending) >= pendingLimit {
		if err := c.writeLines(false); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

type consoleErr struct{ c *Console }

func (e consoleErr) Write(b []byte) (int, error) {
	c := e.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.writeLines(false); err != nil {
		return 0, err
	}
	c.clear()
	n, err := c.err.Write(b)
	c.redraw()
	return n, err
}

// writeLines writes the complete stdout lines held, or everything with
// all. Called with mu held.
func (c *Console) writeLines(all bool) error {
	n := len(c.pending)
	if !all {
		n = bytes.LastIndexByte(c.pending, '\n') + 1
	}
	if n == 0 {
		return nil
	}
	c.clear()
	_, err := c.out.Write(c.pending[:n])
	c.redraw()
	c.pending = append(c.pending[:0], c.pending[n:]...)
	return err
}

// Flush writes out everything held.
func (c *Console) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeLines(true)
}

const clearLine = "\r\x1b[K"

func (c *Console) clear() {
	if c.line != "" {
		io.WriteString(c.err, clearLine)
	}
}

func (c *Console) redraw() {
	if c.line != "" {
		io.WriteString(c.err, c.line)
	}
}

// show replaces the progress line; "" removes it.
func (c *Console) show(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if line == c.line {
		return
	}
	// Lines waiting for stdout go first, so that on a terminal they do
	// not lag behind the progress shown.
	c.writeLines(false)
	io.WriteString(c.err, clearLine+line)
	c.line = line
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Interactive reports whether stderr is a terminal, the only place a
// progress line is drawn.
func (c *Console) Interactive() bool { return c.tty }

// Timing says when the progress line appears and how often it changes.
type Timing struct {
	// After is how long a run goes before the line appears: runs shorter
	// than that show none. 0 draws it at once (tests).
	After time.Duration
	// Every is the least time between two drawings of a changed line; 0
	// draws every change (tests).
	Every time.Duration
}

// DefaultTiming is a run's: a line for runs over a second, drawn again
// at most ten times a second.
func DefaultTiming() Timing { return Timing{After: time.Second, Every: 100 * time.Millisecond} }

// Progress is a run's progress line: "gopatchelf: DONE/TOTAL ELF files",
// or "gopatchelf: indexing libraries" until the first file is done. Its
// methods may be called from several goroutines.
type Progress struct {
	c      *Console
	timing Timing

	mu          sync.Mutex // held while drawing, so lines are drawn in order
	done, total int
	shown       bool      // the line is on the terminal
	drawn       time.Time // when it was last drawn

	quit, finished chan struct{}
}

// StartProgress starts the progress line of a run: on a terminal, it is
// drawn once the run has lasted timing.After, then again as it changes.
// Off a terminal it is never drawn. Call Stop at the end of the run.
func (c *Console) StartProgress(timing Timing) *Progress {
	p := &Progress{c: c, timing: timing, quit: make(chan struct{}), finished: make(chan struct{})}
	if !c.tty {
		close(p.finished)
		return p
	}
	if timing.After <= 0 {
		p.draw()
	}
	go p.loop()
	return p
}

// loop draws the line after timing.After, then every tick, so that it
// shows when indexing takes long or a file does.
func (p *Progress) loop() {
	defer close(p.finished)
	if p.timing.After > 0 {
		select {
		case <-p.quit:
			return
		case <-time.After(p.timing.After):
		}
		p.draw()
	}
	tick := time.NewTicker(max(p.timing.Every, 100*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-tick.C:
			p.draw()
		}
	}
}

// Set records that done of total ELF files are done (hook.Config's
// Progress callback) and redraws the line if it is shown and was not
// drawn in the last timing.Every.
func (p *Progress) Set(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if p.shown && time.Since(p.drawn) >= p.timing.Every {
		p.drawLocked()
	}
}

func (p *Progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawLocked()
}

func (p *Progress) drawLocked() {
	p.c.show(p.line())
	p.shown, p.drawn = true, time.Now()
}

func (p *Progress) line() string {
	switch {
	case p.total > 0:
		return fmt.Sprintf("gopatchelf: %d/%d ELF files", p.done, p.total)
	case p.done > 0:
		return fmt.Sprintf("gopatchelf: %d ELF files", p.done)
	}
	return "gopatchelf: indexing libraries"
}

// Stop removes the line, for good.
func (p *Progress) Stop() {
	select {
	case <-p.quit:
		return // stopped already
	default:
	}
	close(p.quit)
	<-p.finished
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		p.c.show("")
		p.shown = false
	}
}
