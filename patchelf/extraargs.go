package patchelf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/cli"
)

// ExtraArgs are the patchelf flags of auto-patchelf's --extra-args (the
// setup hook's patchelfFlags) that mean something to `gopatchelf auto`,
// which writes each file once itself instead of running patchelf.
type ExtraArgs struct {
	// ForceRpath (--force-rpath): write DT_RPATH, not DT_RUNPATH.
	ForceRpath bool
	// PageSize (--page-size N): the alignment of an appended segment, a
	// power of two; 0 when not given.
	PageSize uint64
	// NoDefaultLib (--no-default-lib): set DF_1_NODEFLIB.
	NoDefaultLib bool
	// Ignored are the flags that would change what patchelf writes but
	// mean nothing to auto (--add-rpath, …), without their values, for a
	// warning each.
	Ignored []string
}

// extraValueFlags are patchelf flags that take values (how many), so that
// their values are not mistaken for flags when ignoring them.
var extraValueFlags = map[string]int{
	"--set-interpreter": 1, "--interpreter": 1, "--set-rpath": 1, "--add-rpath": 1,
	"--allowed-rpath-prefixes": 1, "--set-soname": 1, "--add-needed": 1, "--remove-needed": 1,
	"--replace-needed": 2, "--output": 1, "--set-os-abi": 1, "--rename-dynamic-symbols": 1,
	"--clear-symbol-version": 1,
}

// extraHarmless are patchelf flags that change nothing in what auto
// writes.
var extraHarmless = map[string]bool{
	"--debug": true, "--no-sort": true, "--no-clobber-old-sections": true,
}

// ParseExtraArgs reads the patchelf flags of auto's --extra-args. Only a
// bad --page-size (missing, not a number, not a power of two) is an
// error; numbers parse as everywhere in gopatchelf (0x4000 too), and
// --page-size=N is accepted beside --page-size N.
func ParseExtraArgs(args []string) (ExtraArgs, error) {
	var x ExtraArgs
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(arg, "=")
		switch {
		case arg == "--force-rpath":
			x.ForceRpath = true
		case arg == "--no-default-lib":
			x.NoDefaultLib = true
		case name == "--page-size":
			if !hasValue {
				if i+1 >= len(args) {
					return x, errors.New("--page-size needs a value")
				}
				i++
				value = args[i]
			}
			n, err := cli.ParseNumber(value)
			if err != nil || n == 0 || n&(n-1) != 0 {
				return x, fmt.Errorf("invalid --page-size %q: want a power of two", value)
			}
			x.PageSize = n
		case extraHarmless[arg]:
		default:
			x.Ignored = append(x.Ignored, arg)
			if n := extraValueFlags[arg]; n > 0 {
				i += min(n, len(args)-1-i)
			}
		}
	}
	return x, nil
}
