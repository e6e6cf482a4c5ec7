package reliability

import (
	"bytes"
	"context"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// MutationsEnv sets the number of mutants; the default keeps CI short.
const MutationsEnv = "GOPATCHELF_MUTATIONS"

const (
	defaultMutations = 2000
	mutationSeed     = 0x60_9a7c_4e1f // fixed: the same mutants on every run
	perFileTimeout   = 10 * time.Second
	// allocPerByte and allocSlack bound what parsing and planning one
	// mutant may allocate: the file size times allocPerByte, plus
	// allocSlack, whatever sizes and counts its headers claim. The slack
	// covers debug/elf, which reads a section it is asked for in chunks of
	// up to 10 MiB (internal/saferio) before it notices the file is shorter.
	allocPerByte = 64
	allocSlack   = 16 << 20
)

// mutationEdits are what the elf pass plans on every mutant that parses.
var mutationEdits = []elf.Edit{
	{SetRunpath: true, Runpath: "/nix/store/00000000000000000000000000000000-mutant/lib"},
	{SetRunpath: true, Runpath: strings.Repeat("/nix/store/11111111111111111111111111111111-long/lib:", 20), ForceRpath: true},
	{ReplaceNeeded: []elf.Replacement{{Old: "libfoo.so", New: "libfoo-renamed-to-something-longer.so"}}},
	{Interpreter: "/nix/store/22222222222222222222222222222222-glibc/lib/ld-linux-mutant.so.2"},
}

// outcome is what the elf pass saw for one mutant.
type outcome struct {
	parseErr  error
	planErrs  int
	planned   int
	allocated uint64
	problems  []string // violations: each fails the test
}

// checkElf runs elf.NewFile, Plan for each edit and a re-parse of every
// planned output over one mutant.
func checkElf(m mutant) (o outcome) {
	defer func() {
		if p := recover(); p != nil {
			o.problems = append(o.problems, fmt.Sprintf("panic: %v", p))
		}
	}()
	data := m.data
	f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		o.parseErr = err
		if msg := err.Error(); strings.Contains(msg, "\n") || msg == "" {
			o.problems = append(o.problems, fmt.Sprintf("parse error is not one line: %q", msg))
		}
		var fe *elf.FormatError
		if !errors.Is(err, elf.ErrNotELF) && !errors.As(err, &fe) && !errors.Is(err, elf.ErrUnsafe) {
			o.problems = append(o.problems, fmt.Sprintf("parse error of unexpected kind %T: %v", err, err))
		}
		return o
	}
	for _, e := range mutationEdits {
		if e.Interpreter != "" && !f.HasInterpreter {
			continue
		}
		p, err := f.Plan(e)
		if err != nil {
			o.planErrs++
			if msg := err.Error(); strings.Contains(msg, "\n") {
				o.problems = append(o.problems, fmt.Sprintf("plan error is not one line: %q", msg))
			}
			continue
		}
		if p.IsEmpty() {
			continue
		}
		o.planned++
		out := p.Bytes(data)
		g, err := elf.NewFile(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			o.problems = append(o.problems, fmt.Sprintf("edit %s: output does not parse: %v", editName(e), err))
			continue
		}
		switch {
		case e.SetRunpath && !e.ForceRpath && (g.Runpath != e.Runpath || g.HasRpath):
			o.problems = append(o.problems, fmt.Sprintf("edit %s: runpath %q rpath %q", editName(e), g.Runpath, g.Rpath))
		case e.SetRunpath && e.ForceRpath && (g.Rpath != e.Runpath || g.HasRunpath):
			o.problems = append(o.problems, fmt.Sprintf("edit %s: rpath %q runpath %q", editName(e), g.Rpath, g.Runpath))
		case e.Interpreter != "" && g.Interpreter != e.Interpreter:
			o.problems = append(o.problems, fmt.Sprintf("edit %s: interpreter %q", editName(e), g.Interpreter))
		case e.Interpreter == "" && g.Interpreter != f.Interpreter:
			o.problems = append(o.problems, fmt.Sprintf("edit %s: interpreter changed from %q to %q", editName(e), f.Interpreter, g.Interpreter))
		case len(e.ReplaceNeeded) == 0 && !slices.Equal(g.Needed, f.Needed):
			o.problems = append(o.problems, fmt.Sprintf("edit %s: DT_NEEDED changed from %q to %q", editName(e), f.Needed, g.Needed))
		}
		if p2, err := g.Plan(e); err != nil {
			o.problems = append(o.problems, fmt.Sprintf("edit %s: second plan on the output fails: %v", editName(e), err))
		} else if !p2.IsEmpty() {
			o.problems = append(o.problems, fmt.Sprintf("edit %s: second plan on the output is not empty", editName(e)))
		}
	}
	return o
}

func editName(e elf.Edit) string {
	switch {
	case e.Interpreter != "":
		return "interpreter"
	case e.ForceRpath:
		return "force-rpath"
	case e.SetRunpath:
		return "runpath"
	case len(e.ReplaceNeeded) > 0:
		return "replace-needed"
	}
	return "?"
}

// TestMutationsElf runs the elf package over every mutant, one at a time
// so that each one's allocations can be measured: no panic, no mutant
// slower than perFileTimeout, allocations bounded by the file size, one-line
// errors, and every successful edit parses again, changed only as asked.
func TestMutationsElf(t *testing.T) {
	src, ids := selectedMutants(t)
	var (
		slow     []string
		bad      []string
		parsed   int
		planned  int
		planErrs int
		kinds    = map[string]int{}
		worst    float64
		worstID  string
		start    = time.Now()
	)
	for _, id := range ids {
		m := src.at(id)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		done := make(chan outcome, 1)
		go func() { done <- checkElf(m) }()
		var o outcome
		select {
		case o = <-done:
		case <-time.After(perFileTimeout):
			slow = append(slow, m.String())
			continue
		}
		runtime.ReadMemStats(&after)
		o.allocated = after.TotalAlloc - before.TotalAlloc
		if limit := uint64(len(m.data))*allocPerByte + allocSlack; o.allocated > limit {
			o.problems = append(o.problems, fmt.Sprintf("allocated %d bytes for a %d-byte file (limit %d)", o.allocated, len(m.data), limit))
		}
		if r := float64(o.allocated) / float64(max(len(m.data), 1)); len(m.data) > 4096 && r > worst {
			worst, worstID = r, m.String()
		}
		for _, p := range o.problems {
			bad = append(bad, m.String()+": "+p)
		}
		if o.parseErr != nil {
			kinds[errKind(o.parseErr)]++
			continue
		}
		parsed++
		planned += o.planned
		planErrs += o.planErrs
	}
	t.Logf("%d mutants in %v: %d parsed (%d edits planned and re-parsed, %d refused), parse errors by kind: %v",
		len(ids), time.Since(start).Round(time.Millisecond), parsed, planned, planErrs, kinds)
	t.Logf("largest allocation per input byte (files > 4 KiB): %.1f, %s", worst, worstID)
	saveFailures(t, src, append(slices.Clone(slow), bad...))
	assert.Empty(t, slow, "mutants slower than %v", perFileTimeout)
	assert.Empty(t, bad, "violations")
}

// OnlyEnv names one mutant (its number) to run alone: how to reproduce
// a failure, for instance under a debugger or with -memprofile.
const OnlyEnv = "GOPATCHELF_MUTATION_ONLY"

// selectedMutants returns the mutant source and the numbers to run.
func selectedMutants(t *testing.T) (*mutantSource, []int) {
	src := newMutantSource(seeds(t), mutationSeed)
	if v := os.Getenv(OnlyEnv); v != "" {
		var id int
		_, err := fmt.Sscan(v, &id)
		require.NoError(t, err, "$%s", OnlyEnv)
		return src, []int{id}
	}
	ids := make([]int, envInt(t, MutationsEnv, defaultMutations))
	for i := range ids {
		ids[i] = i
	}
	return src, ids
}

// errKind groups parse errors for the log: the message up to its first
// number or quote.
func errKind(err error) string {
	if errors.Is(err, elf.ErrNotELF) {
		return "not ELF"
	}
	msg := err.Error()
	if strings.Contains(msg, "unreadable structure (") {
		return "recovered panic in debug/elf"
	}
	if i := strings.IndexAny(msg, "0123456789\"("); i > 0 {
		msg = msg[:i]
	}
	if len(msg) > 40 {
		msg = msg[:40]
	}
	return strings.TrimSpace(msg)
}

// saveFailures writes the mutants named in failures (by their "#id " prefix)
// to $GOPATCHELF_MUTATIONS_OUT, when set, to reproduce them outside tests.
func saveFailures(t *testing.T, src *mutantSource, failures []string) {
	dir := os.Getenv("GOPATCHELF_MUTATIONS_OUT")
	if dir == "" || len(failures) == 0 {
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, f := range failures {
		var id int
		if _, err := fmt.Sscanf(f, "#%d ", &id); err == nil {
			_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("mutant-%06d", id)), src.at(id).data, 0o644)
		}
	}
	t.Logf("failing mutants written to %s", dir)
}

// TestMutationsAuto runs `gopatchelf auto` (the built binary) over a tree
// of the mutants of each architecture, with that architecture's fixture
// libraries in --libs: no crash, no hang, every error one line naming a
// file of the tree, every file auto refused or failed on byte-identical
// afterwards, every file it changed a valid ELF file, and no temporary file
// left.
func TestMutationsAuto(t *testing.T) {
	src, ids := selectedMutants(t)
	fixtures := elftest.Fixtures(t)
	tmp := t.TempDir()

	// Write every mutant into its architecture's tree, keeping only its
	// description in memory.
	byArch := map[string]map[string]mutant{}
	for _, id := range ids {
		m := src.at(id)
		arch := m.seed.arch
		if byArch[arch] == nil {
			byArch[arch] = map[string]mutant{}
		}
		p := filepath.Join(tmp, "tree", arch, fmt.Sprintf("%06d", m.id), m.seed.base)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, m.data, 0o755))
		m.data = nil
		byArch[arch][p] = m
	}
	arches := make([]string, 0, len(byArch))
	for a := range byArch {
		arches = append(arches, a)
	}
	sort.Strings(arches)

	results := map[string]map[string]entry{}
	for _, mode := range writeModes {
		for _, arch := range arches {
			t.Run(mode+"/"+arch, func(t *testing.T) {
				results[mode+"/"+arch] = mutantsAuto(t, tmp, mode, arch, byArch[arch], fixtures)
			})
		}
	}
	// Both modes leave every mutant with the same bytes.
	for _, arch := range arches {
		a, p := results["atomic/"+arch], results["in-place/"+arch]
		require.NotNil(t, a, arch)
		require.NotNil(t, p, arch)
		for rel, e := range contents(a) {
			assert.Equal(t, e.hash, p[rel].hash, "%s/%s: in place differs from atomic", arch, rel)
		}
	}
}

// mutantsAuto runs TestMutationsAuto's check for one architecture's
// mutants with --write mode, over a fresh copy of their tree, and returns
// the tree afterwards. The copy and the libraries are at the same paths for
// both modes: RUNPATHs are absolute.
func mutantsAuto(t *testing.T, tmp, mode, arch string, files map[string]mutant, fixtures []elftest.Fixture) map[string]entry {
	orig := filepath.Join(tmp, "tree", arch)
	tree := filepath.Join(tmp, "run", arch)
	require.NoError(t, os.RemoveAll(tree))
	require.NoError(t, os.MkdirAll(filepath.Dir(tree), 0o755))
	require.NoError(t, exec.Command("cp", "-a", orig, tree).Run())
	moved := make(map[string]mutant, len(files))
	for p, m := range files {
		rel, _ := filepath.Rel(orig, p)
		moved[filepath.Join(tree, rel)] = m
	}
	files = moved
	libs := filepath.Join(tmp, "libs", arch)
	require.NoError(t, os.RemoveAll(libs))
	require.NoError(t, os.MkdirAll(libs, 0o755))
	var interp string
	for _, fx := range fixtures {
		if fx.Arch.Name == arch && fx.Variant == "transitive" {
			p := fx.CopyTo(t, libs)
			if fx.Name == "libbar.so" {
				interp = p // only parsed, for the target platform
			}
		}
	}
	require.NotEmpty(t, interp)
	before := snapshot(t, tree)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+time.Duration(len(files))*50*time.Millisecond)
	defer cancel()
	cmd := exec.CommandContext(ctx, gopatchelf(t), "auto", "--paths", tree, "--libs", libs,
		"--interpreter", interp, "--libc-dir", noLibc(t, tmp), "--ignore-missing", "libc.so.6",
		"--write", mode)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NIX_BUILD_CORES=2"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "gopatchelf auto did not finish over %d mutants", len(files))
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	after := snapshot(t, tree)

	errLines := map[string][]string{}
	var bad []string
	for _, l := range lines(stderr.String()) {
		switch {
		case strings.Contains(l, "panic") || strings.HasPrefix(l, "goroutine "):
			bad = append(bad, "crash: "+l)
		case strings.HasPrefix(l, "gopatchelf: error: ") && strings.Contains(l, " files could not be patched"):
		case strings.HasPrefix(l, "gopatchelf: error: "):
			named := ""
			for p := range files {
				if strings.Contains(l, p+":") {
					named = p
					break
				}
			}
			if named == "" {
				bad = append(bad, "error names no file of the tree: "+l)
				continue
			}
			errLines[named] = append(errLines[named], l)
		case strings.HasPrefix(l, "gopatchelf: "),
			l == "auto-patchelf failed to find all the required dependencies.",
			strings.HasPrefix(l, "Add the missing dependencies"):
		default:
			bad = append(bad, "unexpected stderr line: "+l)
		}
	}
	changed := 0
	for p, m := range files {
		rel, _ := filepath.Rel(tree, p)
		b, a := before[filepath.ToSlash(rel)], after[filepath.ToSlash(rel)]
		if len(errLines[p]) > 1 {
			bad = append(bad, fmt.Sprintf("%s: %d error lines for one file", m, len(errLines[p])))
		}
		if b.hash == a.hash {
			continue
		}
		changed++
		if len(errLines[p]) > 0 {
			bad = append(bad, fmt.Sprintf("%s: failed (%s) but changed", m, errLines[p][0]))
		}
		if b.mode != a.mode {
			bad = append(bad, fmt.Sprintf("%s: mode %v became %v", m, b.mode, a.mode))
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		if _, err := elf.NewFile(bytes.NewReader(data), int64(len(data))); err != nil {
			bad = append(bad, fmt.Sprintf("%s: patched file does not parse: %v", m, err))
		}
		if _, err := stdelf.NewFile(bytes.NewReader(data)); err != nil {
			bad = append(bad, fmt.Sprintf("%s: patched file rejected by debug/elf: %v", m, err))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			bad = append(bad, "new file after the run: "+p)
		}
	}
	verifyCaught := 0
	for _, ls := range errLines {
		if strings.Contains(ls[0], "verification of the rewritten file failed") || strings.Contains(ls[0], "result does not parse") {
			verifyCaught++
		}
	}
	var maxRSS int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss // KiB on Linux
	}
	t.Logf("%d mutants in %v: exit %d, %d changed, %d failed with an error line (%d caught by the re-parse before the rename), peak RSS %d KiB",
		len(files), time.Since(start).Round(time.Millisecond), code, changed, len(errLines), verifyCaught, maxRSS)
	assert.Contains(t, []int{0, 1}, code, "exit code")
	assert.Empty(t, bad)
	assert.Empty(t, tempFiles(t, tree))
	if mode == "in-place" {
		for rel, e := range after {
			assert.Equal(t, before[rel].inode, e.inode, "%s: new inode in place", rel)
		}
	}
	return after
}
