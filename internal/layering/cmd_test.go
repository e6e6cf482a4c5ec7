package layering_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCmdIsThin: cmd/gopatchelf parses no ELF itself, and reads and
// writes no file itself (issue 13): its non-test files import neither
// debug/elf nor package elf, and call none of os's file-reading or
// file-writing functions nor internal/atomicfile's writers. It may stat
// the inputs named on its command line, to refuse bad ones before
// anything is read; what decides a run ($NIX_BINTOOLS's files: relink,
// patchelf's @FILE arguments and map files: patchelf, a wheel's first
// bytes: wheel) is read by the libraries. And it stays small: parse, call
// one library function, render.
func TestCmdIsThin(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "cmd", "gopatchelf", "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	forbiddenImports := map[string]bool{"debug/elf": true, module + "elf": true}
	osWriters := map[string]bool{
		"WriteFile": true, "Create": true, "CreateTemp": true, "OpenFile": true, "Rename": true,
		"Remove": true, "RemoveAll": true, "Mkdir": true, "MkdirAll": true, "MkdirTemp": true,
		"Symlink": true, "Link": true, "Chmod": true, "Chown": true, "Truncate": true,
	}
	osReaders := map[string]bool{"Open": true, "ReadFile": true, "ReadDir": true, "Readlink": true, "DirFS": true}
	// Writers of internal/atomicfile, as functions or methods of Options.
	atomicWriters := map[string]bool{
		"Replace": true, "ReplaceCopy": true, "Create": true, "CreateNew": true, "WriteNew": true, "WriteBytes": true,
	}
	fset := token.NewFileSet()
	checked, lines := 0, 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		checked++
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		lines += bytes.Count(src, []byte("\n"))
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		require.NoError(t, err)
		names := map[string]string{} // local name -> import path
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			assert.False(t, forbiddenImports[p], "%s imports %s: ELF parsing belongs in a library", path, p)
			local := filepath.Base(p)
			if imp.Name != nil {
				local = imp.Name.Name
			}
			names[local] = p
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pos := fset.Position(call.Pos())
			if id, ok := sel.X.(*ast.Ident); ok {
				switch names[id.Name] {
				case "os":
					assert.False(t, osWriters[sel.Sel.Name], "%s: os.%s writes a file: cmd must call a library", pos, sel.Sel.Name)
					assert.False(t, osReaders[sel.Sel.Name], "%s: os.%s reads a file: cmd must call a library", pos, sel.Sel.Name)
				case module + "internal/atomicfile":
					assert.False(t, atomicWriters[sel.Sel.Name], "%s: atomicfile.%s writes a file: cmd must call a library", pos, sel.Sel.Name)
				}
			}
			// atomicfile.Options{…}.WriteBytes(…) and the like: methods no
			// other type in cmd's reach has.
			if sel.Sel.Name == "WriteBytes" || sel.Sel.Name == "ReplaceCopy" || sel.Sel.Name == "WriteNew" {
				assert.Fail(t, "cmd writes a file", "%s: %s", pos, sel.Sel.Name)
			}
			return true
		})
	}
	assert.Greater(t, checked, 5, "the command files were found")
	// The bar of issue 13: cmd/gopatchelf's non-test Go, doc.go included,
	// in at most 1,500 lines.
	assert.LessOrEqual(t, lines, 1500, "cmd/gopatchelf has %d non-test lines: move logic into a library", lines)
}
