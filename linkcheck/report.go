package linkcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Severity says whether a finding fails the check.
type Severity string

const (
	// Error fails the check: the program would not load, or would fail at
	// run time.
	Error Severity = "error"
	// Warning does not fail the check: an ignored missing library, a weak
	// version, a search-path entry that cannot be checked.
	Warning Severity = "warning"
	// Info neither fails nor warns: a file of another architecture, not
	// checked.
	Info Severity = "info"
)

// Kind is what a finding is about.
type Kind string

const (
	// MissingLibrary: no search directory holds a suitable file for a
	// DT_NEEDED or .note.dlopen entry.
	MissingLibrary Kind = "missing-library"
	// MissingVersion: the provider does not define a version the object
	// needs from it (.gnu.version_r against .gnu.version_d).
	MissingVersion Kind = "missing-version"
	// UndefinedSymbol: no object in the loaded set defines a symbol
	// (Config.UndefinedSymbols only).
	UndefinedSymbol Kind = "undefined-symbol"
	// LibxmlMismatch is no longer reported: DuplicateLibrary replaced it
	// in schema version 1 documents (lxml and xmlsec loading libxml2 or
	// libxslt from two copies is one case of it).
	LibxmlMismatch Kind = "libxml-mismatch"
	// DuplicateLibrary: modules of one host, in one tree, load one
	// library from two places. An error when the copies differ in
	// version, a warning when they are the same version.
	DuplicateLibrary Kind = "duplicate-library"
	// BadInterpreter: the PT_INTERP of a program does not exist, is not
	// ELF, is for another architecture, or is not a dynamic loader.
	BadInterpreter Kind = "bad-interpreter"
	// LibsOnly: a library found only through Config.Libs: the file loads
	// only with LD_LIBRARY_PATH set (a warning).
	LibsOnly Kind = "libs-only"
	// OtherArchitecture: a file not of the target's architecture or OS
	// ABI, not checked (info).
	OtherArchitecture Kind = "other-architecture"
	// Unreadable: a file that could not be read or parsed.
	Unreadable Kind = "unreadable"
	// SearchPath: a RUNPATH/RPATH entry or DT_NEEDED name that cannot be
	// checked ($PLATFORM, relative or empty entries) or symbols that
	// cannot be read.
	SearchPath Kind = "search-path"
)

// Finding is one problem. Fields that do not apply to its Kind are empty.
type Finding struct {
	Severity Severity `json:"severity"`
	Kind     Kind     `json:"kind"`
	// File is the file under the checked paths whose load this concerns,
	// as walked (relative paths stay relative).
	File string `json:"file"`
	// Dist names the Python distribution that owns File ("lxml 5.3.0"),
	// found through a *.dist-info/RECORD listing it; "" for none.
	Dist string `json:"dist,omitempty"`
	// Object is the object with the problem: File itself or a library
	// loaded on its behalf (absolute path).
	Object string `json:"object,omitempty"`
	// Chain lists the objects from File to Object, each loaded by the one
	// before it; just [File] when Object is File.
	Chain []string `json:"chain,omitempty"`
	// Soname is the library wanted (MissingLibrary: the display name,
	// "any(a, b)" for a .note.dlopen entry with alternatives), or the
	// library a version is needed from (MissingVersion).
	Soname string `json:"soname,omitempty"`
	// Candidates are the alternatives of a .note.dlopen entry.
	Candidates []string `json:"candidates,omitempty"`
	// Dlopen is true for a .note.dlopen entry.
	Dlopen bool `json:"dlopen,omitempty"`
	// Searched are the directories looked in, in order.
	Searched []string `json:"searched,omitempty"`
	// Rejected are files found with the right name but refused, with why.
	Rejected []string `json:"rejected,omitempty"`
	// IgnoredBy is the --ignore-missing pattern that matched.
	IgnoredBy string `json:"ignored_by,omitempty"`
	// Hint is the Nix package that usually provides Soname.
	Hint string `json:"hint,omitempty"`
	// Provider is the library Soname resolved to (MissingVersion).
	Provider string `json:"provider,omitempty"`
	// Version is the missing version (MissingVersion).
	Version string `json:"version,omitempty"`
	// Defined are the provider's versions with the same prefix as Version
	// (GLIBC_…), in file order.
	Defined []string `json:"defined,omitempty"`
	// Symbol is the undefined symbol (UndefinedSymbol).
	Symbol string `json:"symbol,omitempty"`
	// Detail is the error text (Unreadable), the mismatch (LibxmlMismatch)
	// or what cannot be checked (SearchPath).
	Detail string `json:"detail,omitempty"`
}

// Message is the finding as one line of text, without the file.
func (f Finding) Message() string {
	switch f.Kind {
	case MissingLibrary:
		var b strings.Builder
		fmt.Fprintf(&b, "%s not found", f.Soname)
		if f.Object != "" && f.Object != f.File {
			fmt.Fprintf(&b, " (wanted by %s, loaded via %s)", f.Object, strings.Join(f.Chain, " -> "))
		}
		if f.IgnoredBy != "" {
			fmt.Fprintf(&b, "; ignored by --ignore-missing %q", f.IgnoredBy)
		}
		return b.String()
	case MissingVersion:
		m := fmt.Sprintf("version %s needed from %s is not defined by %s", f.Version, f.Soname, f.Provider)
		if newest := Newest(f.Defined); newest != "" {
			m += " (newest: " + newest + ")"
		}
		if f.Object != "" && f.Object != f.File {
			m += fmt.Sprintf("; needed by %s, loaded via %s", f.Object, strings.Join(f.Chain, " -> "))
		}
		return m
	case UndefinedSymbol:
		m := fmt.Sprintf("undefined symbol %s", f.Symbol)
		if f.Object != "" && f.Object != f.File {
			m += fmt.Sprintf(" in %s, loaded via %s", f.Object, strings.Join(f.Chain, " -> "))
		}
		return m
	case LibsOnly:
		m := fmt.Sprintf("%s loads only with LD_LIBRARY_PATH (found through --libs: %s)", f.Soname, f.Provider)
		if f.Object != "" && f.Object != f.File {
			m += fmt.Sprintf("; wanted by %s, loaded via %s", f.Object, strings.Join(f.Chain, " -> "))
		}
		return m
	case SearchPath:
		if f.Object != "" && f.Object != f.File {
			return f.Detail + " (in " + f.Object + ")"
		}
		return f.Detail
	}
	return f.Detail
}

// Dep is one dependency of a checked file and where it was found.
type Dep struct {
	// Name is the DT_NEEDED entry, or the .note.dlopen candidate that was
	// found (the display name when none was).
	Name   string `json:"name"`
	Dlopen bool   `json:"dlopen,omitempty"`
	// Path is the file that satisfies it, "" when none does.
	Path string `json:"path"`
	// Via says where it was found: "rpath", "runpath", "libs",
	// "cache" (the loader's ld.so.cache), "default", "loaded" (an object
	// already loaded has that name), "host" (the --host process has it),
	// "path" (the name has a slash), "loader" (the dynamic loader, which
	// is always loaded), "unchecked" (a name using $PLATFORM or a
	// relative path, reported as a search-path warning), or "" when not
	// found.
	Via string `json:"via"`
}

// File is one ELF file found under the checked paths.
type File struct {
	Path string `json:"path"`
	Dist string `json:"dist,omitempty"`
	// Skipped says why the file was not checked ("statically linked",
	// "not dynamically linked"); "" when it was.
	Skipped string `json:"skipped,omitempty"`
	// Deps are its own DT_NEEDED then .note.dlopen entries, resolved.
	Deps []Dep `json:"deps"`
	// Loaded is how many objects loading it brings in, itself included.
	Loaded int `json:"loaded"`
	// LoadedBy is the first executable of the checked trees that loads
	// this library: it is judged in that program's process (its deps as
	// resolved there, its findings under the program). "" when judged
	// alone.
	LoadedBy string `json:"loaded_by,omitempty"`
	// Host is the kind of program that loads this module: "python",
	// "node", "perl", "ruby", "lua" or "R"; "" for none.
	Host string `json:"host,omitempty"`
}

// Report is the result of [Check].
type Report struct {
	Files    []File    `json:"files"`
	Findings []Finding `json:"findings"`
}

// Count returns the number of findings of severity s, and of those the
// ignored ones (IgnoredBy set).
func (r *Report) Count(s Severity) (n, ignored int) {
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
			if f.IgnoredBy != "" {
				ignored++
			}
		}
	}
	return n, ignored
}

// OK reports whether the check passed: no finding of severity Error.
func (r *Report) OK() bool {
	n, _ := r.Count(Error)
	return n == 0
}

// SchemaVersion is the "version" of the JSON document; it changes only
// when a field changes meaning or goes away, never when one is added.
const SchemaVersion = 1

// Summary counts a report's findings.
type Summary struct {
	Files    int `json:"files"`    // ELF files found, skipped ones included
	Errors   int `json:"errors"`   // findings of severity error
	Warnings int `json:"warnings"` // findings of severity warning
	Ignored  int `json:"ignored"`  // warnings that --ignore-missing made of errors
}

// Summary counts the report's files and findings.
func (r *Report) Summary() Summary {
	s := Summary{Files: len(r.Files)}
	s.Errors, _ = r.Count(Error)
	s.Warnings, s.Ignored = r.Count(Warning)
	return s
}

// MarshalJSON writes the report as the documented JSON document (see the
// package documentation): version, files, findings with their message,
// and the summary.
func (r *Report) MarshalJSON() ([]byte, error) {
	type finding struct {
		Finding
		Message string `json:"message"`
	}
	doc := struct {
		Version  int       `json:"version"`
		Files    []File    `json:"files"`
		Findings []finding `json:"findings"`
		Summary  Summary   `json:"summary"`
	}{Version: SchemaVersion, Files: r.Files, Findings: make([]finding, 0, len(r.Findings)), Summary: r.Summary()}
	if doc.Files == nil {
		doc.Files = []File{}
	}
	for _, f := range r.Findings {
		doc.Findings = append(doc.Findings, finding{f, f.Message()})
	}
	// Messages hold "->": keep them readable rather than \u003e.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
