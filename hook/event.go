package hook

import "github.com/gopatchelf/gopatchelf/resolver"

// Event is one step of a run, in the order auto-patchelf reports it. The
// first five types are the script's --structured-logs events; the others
// are the lines it prints only in human-readable mode.
//
// String is an event's human-readable line(s), without the final newline,
// as auto-patchelf prints them; [EventJSON] is its --structured-logs line;
// [WriteEvent] prints one or the other.
type Event interface {
	event()
	String() string
}

// SkipFile: a file is not patched ("skipping F because REASON"), or, while
// the index is built, a separate debug object is not indexed.
type SkipFile struct {
	File   string
	Reason string
}

// SetInterpreter: a dynamic executable gets the interpreter.
type SetInterpreter struct {
	File        string
	Interpreter string
}

// Dependency: a dependency was found in the index (Found, with the
// provider's directory in Location) or not at all. Dependencies the libc
// dir or an absolute path satisfies produce no Dependency event, as
// upstream.
type Dependency struct {
	File     string
	Name     string
	Found    bool
	Location string
}

// SetRpath: the RUNPATH written (colon-separated).
type SetRpath struct {
	File  string
	Rpath string
}

// IgnoredDependency: a missing dependency matched an --ignore-missing
// pattern. Emitted in the summary at the end.
type IgnoredDependency struct {
	File    string
	Name    string
	Pattern string
}

// Searching starts a file's dependency list ("searching for dependencies
// of F"); human-readable mode only.
type Searching struct {
	File string
}

// Summary starts the end-of-run summary ("auto-patchelf: N dependencies
// could not be satisfied"); Missing counts ignored ones too.
type Summary struct {
	Missing int
}

// Unsatisfied: a missing dependency no pattern ignored ("error:
// auto-patchelf could not satisfy dependency NAME wanted by FILE"); one per
// missing dependency, after Summary. Hint, when not "", names the Nix
// package that usually provides it.
type Unsatisfied struct {
	File string
	Name string
	Hint string
}

// Explain follows each dependency of a file when Config.Explain is set: how
// it was resolved and every index entry considered.
type Explain struct {
	File string
	Dep  resolver.Dependency
}

// KeptPayload: the file had Bytes bytes after its ELF contents (an
// appended payload, which a program may find from the end of its own file)
// and the edit grew it; the payload moved to stay the last bytes of the
// file. Human-readable mode only.
type KeptPayload struct {
	File  string
	Bytes int64
}

func (SkipFile) event()          {}
func (KeptPayload) event()       {}
func (SetInterpreter) event()    {}
func (Dependency) event()        {}
func (SetRpath) event()          {}
func (IgnoredDependency) event() {}
func (Searching) event()         {}
func (Summary) event()           {}
func (Unsatisfied) event()       {}
func (Explain) event()           {}
