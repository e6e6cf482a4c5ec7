package layering_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCmdIsThin: cmd/gopatchelf parses no ELF itself and writes no file
// itself (issue 13): its non-test files import neither debug/elf nor
// package elf, and call none of os's file-writing functions nor
// internal/atomicfile's writers. Reading (arguments given as @FILE,
// $NIX_BINTOOLS) and rendering are its own; the rest is a library's.
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
	// Writers of internal/atomicfile, as functions or methods of Options.
	atomicWriters := map[string]bool{
		"Replace": true, "ReplaceCopy": true, "Create": true, "CreateNew": true, "WriteNew": true, "WriteBytes": true,
	}
	fset := token.NewFileSet()
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		checked++
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
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
}
