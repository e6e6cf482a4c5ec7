package elftest

import (
	"bytes"
	"context"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// RunTimeout bounds one program run; qemu-user start-up takes well under a
// second, so hitting it means the program hangs.
const RunTimeout = 2 * time.Minute

// Runner runs one arch's programs: natively when the test machine is that
// arch, otherwise under qemu-user with the arch's Debian sysroot as -L.
type Runner struct {
	Arch Arch
	// Qemu is the qemu-user binary's path, "" when programs run natively.
	Qemu string
}

// NewRunner returns a runner for a. It calls [Unavailable] when qemu-user
// or the cross sysroot is missing.
func NewRunner(tb testing.TB, a Arch) *Runner {
	tb.Helper()
	if a.GOARCH == runtime.GOARCH {
		return &Runner{Arch: a}
	}
	r := &Runner{Arch: a, Qemu: LookPath(tb, a.Qemu)}
	if _, err := os.Stat(a.Sysroot() + a.Interp); err != nil {
		Unavailable(tb, "%s: no dynamic loader in the sysroot (%v); install libc6-dev-*-cross (gcc-%s)", a.Name, err, a.Triple)
	}
	return r
}

// RunnerFor returns a runner for the arch of an ELF file with this machine,
// class and byte order; it fails the test if no fixture arch matches.
func RunnerFor(tb testing.TB, m stdelf.Machine, c stdelf.Class, d stdelf.Data) *Runner {
	tb.Helper()
	a, ok := ArchFor(m, c, d)
	if !ok {
		tb.Fatalf("no fixture arch for %v %v %v", m, c, d)
	}
	return NewRunner(tb, a)
}

// Result is how a program run ended.
type Result struct {
	Stdout, Stderr string
	// ExitCode is the exit status, or -1 when the program did not exit
	// normally (killed by a signal, timed out, could not start); then Err
	// says why.
	ExitCode int
	Err      error
}

func (r Result) String() string {
	s := fmt.Sprintf("exit %d", r.ExitCode)
	if r.Err != nil {
		s += fmt.Sprintf(" (%v)", r.Err)
	}
	return s + fmt.Sprintf("\n--- stdout:\n%s--- stderr:\n%s", r.Stdout, r.Stderr)
}

// Run runs prog with args in an environment holding only LC_ALL=C and env
// ("NAME=value" entries, e.g. LD_LIBRARY_PATH=dir): nothing from the test's
// own environment can help the loader find a library.
func (r *Runner) Run(tb testing.TB, env []string, prog string, args ...string) Result {
	tb.Helper()
	st, err := os.Stat(prog)
	if err != nil {
		tb.Fatalf("run: %v", err)
	}
	if st.Mode()&0o111 == 0 {
		// qemu-user exits 1 without a word on a non-executable file.
		return Result{ExitCode: -1, Err: fmt.Errorf("%s: not executable (mode %v)", prog, st.Mode())}
	}
	ctx, cancel := context.WithTimeout(context.Background(), RunTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	for attempt := 1; ; attempt++ {
		var cmd *exec.Cmd
		if r.Qemu == "" {
			cmd = exec.CommandContext(ctx, prog, args...)
		} else {
			// -L makes the guest's absolute paths resolve in the sysroot
			// first, then on the host (so a loader copied to a temp dir works).
			cmd = exec.CommandContext(ctx, r.Qemu, append([]string{"-L", r.Arch.Sysroot(), prog}, args...)...)
		}
		cmd.Env = append([]string{"LC_ALL=C"}, env...)
		stdout.Reset()
		stderr.Reset()
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		// A child forked by a parallel test may still hold the file we just
		// wrote open for writing until it execs (golang/go#22315).
		if !errors.Is(err, syscall.ETXTBSY) || attempt == 50 || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.ExitCode, res.Err = -1, fmt.Errorf("timed out after %v", RunTimeout)
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		res.ExitCode = exit.ExitCode()
	default:
		res.ExitCode, res.Err = -1, err
	}
	return res
}

// RunOK runs prog like [Runner.Run], fails the test unless it exits with 0,
// and returns its stdout.
func (r *Runner) RunOK(tb testing.TB, env []string, prog string, args ...string) string {
	tb.Helper()
	res := r.Run(tb, env, prog, args...)
	if res.ExitCode != 0 {
		tb.Fatalf("%s on %s: %v", prog, r.Arch.Name, res)
	}
	return res.Stdout
}
