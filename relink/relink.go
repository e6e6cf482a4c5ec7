package relink

import (
	"fmt"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Facts is what deciding about a file takes from it: small enough to keep
// for every library of a tree between indexing and patching.
type Facts struct {
	Platform             resolver.Platform
	Static               bool // static or static-pie: nothing to patch
	NoSegments           bool
	Debug                bool // a separate debug object
	Executable           bool // has PT_INTERP
	Interpreter          string
	Needed               []string
	Dlopen               [][]string
	Runpath              string // DT_RUNPATH
	HasRunpath, HasRpath bool
	SearchPath           string // DT_RUNPATH, else DT_RPATH
}

// FactsOf takes the facts of f.
func FactsOf(f *elf.File) *Facts {
	s := &Facts{
		Platform:    PlatformOf(f),
		Static:      f.IsStatic() || f.IsStaticPIE(),
		NoSegments:  !f.HasSegments(),
		Debug:       f.IsDebugObject(),
		Executable:  f.HasInterpreter,
		Interpreter: f.Interpreter,
		Needed:      f.Needed,
		Runpath:     f.Runpath,
		HasRunpath:  f.HasRunpath,
		HasRpath:    f.HasRpath,
		SearchPath:  f.SearchPath(),
	}
	for _, d := range f.Dlopen {
		s.Dlopen = append(s.Dlopen, d.Sonames)
	}
	return s
}

// PlatformOf is f's platform as the resolver matches it.
func PlatformOf(f *elf.File) resolver.Platform {
	return resolver.Platform{Machine: f.Machine, Class: f.Class, Data: f.Data, OSABI: f.OSABI}
}

// Skip says why a file is not re-linked; NoSkip means it is.
type Skip int

const (
	NoSkip     Skip = iota
	Static          // statically linked (static-pie too)
	NoSegments      // an object file
	OtherArch       // not the target's architecture
	OtherOSABI      // an OS ABI the target's loader does not load
	Debug           // a separate debug object
)

// Decide applies auto-patchelf's skip rules, in its order, to a file with
// facts f, for target (nil: every architecture and OS ABI is accepted).
// The reason is auto-patchelf's text, "" when the file is not skipped.
func Decide(f *Facts, target *resolver.Platform) (Skip, string) {
	p := f.Platform
	switch {
	case f.Static:
		// A static-pie has no interpreter and no dependencies; upstream
		// would still give it --append-rpaths, which it never reads.
		return Static, "it is statically linked"
	case f.NoSegments:
		return NoSegments, "it contains no segment"
	case target != nil && !target.SameArch(p):
		a, b := archNames2(p, *target)
		return OtherArch, fmt.Sprintf("its architecture (%s) differs from target (%s)", a, b)
	case target != nil && !resolver.OSABICompatible(target.OSABI, p.OSABI):
		return OtherOSABI, fmt.Sprintf("its OS ABI (%s) is not compatible with target (%s)",
			OSABIName(p.OSABI), OSABIName(target.OSABI))
	case f.Debug:
		return Debug, "it looks like a separate debug object"
	}
	return NoSkip, ""
}

// Request is the resolver request for the file at path with facts f. dir
// is the real directory holding it ("" when neither $ORIGIN-relative
// entries nor the old run path are wanted); with keepRunpath, the file's
// own search path comes first (auto-patchelf's --preserve-origin).
func Request(path, dir string, f *Facts, keepRunpath bool) resolver.Request {
	req := resolver.Request{
		Path:       path,
		Dir:        dir,
		Platform:   f.Platform,
		Executable: f.Executable,
		Needed:     f.Needed,
		Dlopen:     f.Dlopen,
	}
	if keepRunpath && (f.HasRunpath || f.HasRpath) {
		req.RunPath = strings.Split(f.SearchPath, ":")
	}
	return req
}

// Edit is the edit that re-links a file with facts f: interpreter, when
// set, for an executable, and the run path the resolver chose (as DT_RPATH
// with forceRpath). A zero edit means nothing is to change.
func Edit(f *Facts, interpreter string, res resolver.Result, forceRpath bool) elf.Edit {
	var e elf.Edit
	if f.Executable && interpreter != "" {
		e.Interpreter = interpreter
	}
	if len(res.RunPath) > 0 {
		e.SetRunpath, e.Runpath, e.ForceRpath = true, strings.Join(res.RunPath, ":"), forceRpath
	}
	return e
}
