// Package cli is the one command-line grammar of gopatchelf's check, refs,
// scrub and wheel subcommands (auto keeps auto-patchelf's argparse command
// line: package [github.com/gopatchelf/gopatchelf/internal/cli/argparse];
// patchelf keeps patchelf's). Each subcommand declares a [Command] (its
// options and help texts live with the subcommand); this package parses,
// prints help and reports a bad command line:
//
//   - long options in GNU style: "--opt value" and "--opt=value"; a few
//     have a one-letter form ("-o DIR", "-oDIR", "-h", "-v");
//   - a [List] option takes every following argument up to the next
//     option or "--", and may be repeated: "--libs A B" and
//     "--libs A --libs B" are the same;
//   - "--" ends the options: everything after it is an operand;
//   - operands (PATHs, wheels) may come before, between or after options;
//   - an unknown option, a missing value or a value given to a flag is one
//     line on stderr, "gopatchelf CMD: unknown option --frob (see
//     gopatchelf CMD --help)", and exit status 2 ([ExitUsage]);
//   - numbers are parsed by [ParseNumber], the same everywhere;
//   - -h/--help prints the short help on stdout, -v/--verbose (a flag
//     every command has) turns on debug messages.
//
// It writes only to the writers it is given and never exits: [Command.Start]
// returns the exit status for the caller to return.
package cli
