// Package pyfmt prints Go values the way Python prints the equivalent
// Python values, byte for byte, so that gopatchelf auto's output reads as
// nixpkgs' auto-patchelf script's: its argument dump is
// pprint.pformat(vars(args)) ([Pformat] of a [Dict]), and its
// --structured-logs lines are json.dumps(...) ([JSON] of an [Object]).
//
// Only the values auto-patchelf prints are covered: str (Go strings, with
// undecodable bytes treated as Python's surrogateescape handler treats file
// names), pathlib.PosixPath ([Path]), bool, int, None (nil), lists ([]any)
// and dicts. It is not a general Python emulation: no floats, tuples, sets
// or nested dict widths beyond what pprint's defaults (width 80, indent 1,
// sorted keys) produce for those.
package pyfmt
