// Package argparse is a small emulation of Python's argparse, enough for
// nixpkgs' auto-patchelf command line, which gopatchelf auto keeps as a
// contract, to parse exactly as the script parses it: a multi-value
// argument ([List], nargs='*') takes values until the next option,
// "--opt=value" gives exactly one value, a unique prefix of a long option
// selects it (allow_abbrev), and a [Rest] argument (nargs='...', auto's
// --extra-args) takes everything after it. Help and errors are printed as
// argparse prints them ([Parser.WriteHelp], [Parser.WriteError]).
//
// Unlike argparse, a list argument given twice keeps the values of both
// ("--libs A --libs B" is "--libs A B"), as every list option of
// gopatchelf does; the setup hook gives each option once, so Nix builds
// see no difference. Positional arguments, subparsers, types and choices
// are not emulated: the caller checks values.
package argparse
