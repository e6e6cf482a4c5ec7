// Package console is the messages layer of every gopatchelf subcommand:
// a run has one [Console] and one logger ([NewLogger]).
//
//   - The console owns stdout and stderr. Machine output and auto's status
//     lines go to its [Console.Stdout] side, which writes whole lines only;
//     the logger writes to its [Console.Stderr] side, which first writes
//     out the stdout lines before it. So every line reaches its file
//     descriptor in one write, and with both on one file (a Nix build log)
//     the lines appear in the order the run produced them, the same from
//     run to run.
//   - When stderr is a terminal, [Console.StartProgress] keeps a progress
//     line at the bottom of stderr once a run has lasted [Timing].After (a
//     second: [DefaultTiming]), erased ("\r\x1b[K") before any other line
//     is written and drawn again after it. Off a terminal it shows nothing
//     ([Console.Interactive] says which, so that the caller counts only
//     when the count is shown).
//   - The logger (logrus, passed down as logrus.FieldLogger; never a global
//     one) prints "gopatchelf: [error: |warning: |hint: |debug: ][FILE: ]message",
//     FILE from the [FieldFile] field; debug lines only when verbose. [Hintf]
//     logs a hint, [Rawf] a line with no prefix (texts the auto-patchelf
//     contract fixes).
//
// The console writes only to the writers it is given; it opens nothing and
// never exits.
package console
