package layering_test

import (
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

// TestPublicAPIHidesInternal checks that no exported name of a public
// package has a type from an internal package in its declaration: a user
// of the package could not name that type, so a field of it could only be
// left at its zero value and a function taking it could not be called.
func TestPublicAPIHidesInternal(t *testing.T) {
	root := filepath.Join("..", "..")
	var pkgs []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (name == "internal" || name == "testdata" || name == "cmd" || name == "bench" || strings.HasPrefix(name, ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() {
			pkgs = append(pkgs, path)
		}
		return nil
	}))
	checked := 0
	for _, dir := range pkgs {
		fset := token.NewFileSet()
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			file := filepath.Join(dir, e.Name())
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			if f.Name.Name == "main" {
				continue
			}
			checked++
			for _, leak := range internalInAPI(f) {
				assert.Fail(t, "internal type in public API", "%s: %s uses %s", file, leak.decl, leak.ref)
			}
		}
	}
	require.NotZero(t, checked, "no public package found under %s", root)
}

type apiLeak struct{ decl, ref string }

// internalInAPI returns the internal package types that f's exported
// declarations mention: exported functions' and methods' signatures,
// exported types (only the exported fields and methods of structs and
// interfaces), and exported variables and constants with a type.
func internalInAPI(f *ast.File) []apiLeak {
	internal := map[string]bool{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if !strings.Contains("/"+path+"/", "/internal/") {
			continue
		}
		name := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		internal[name] = true
	}
	if len(internal) == 0 {
		return nil
	}
	var leaks []apiLeak
	var check func(decl string, n ast.Node)
	check = func(decl string, n ast.Node) {
		if n == nil {
			return
		}
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit, *ast.BlockStmt:
				return false
			case *ast.StructType:
				for _, fld := range n.Fields.List {
					if exportedField(fld) {
						check(decl, fld.Type)
					}
				}
				return false
			case *ast.InterfaceType:
				for _, m := range n.Methods.List {
					if exportedField(m) {
						check(decl, m.Type)
					}
				}
				return false
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && internal[x.Name] {
					leaks = append(leaks, apiLeak{decl, x.Name + "." + n.Sel.Name})
				}
			}
			return true
		})
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
				continue
			}
			check(d.Name.Name, d.Type)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						check(s.Name.Name, s.Type)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							check(n.Name, s.Type)
						}
					}
				}
			}
		}
	}
	return leaks
}

// exportedField reports whether a struct field or interface method is part
// of the API: a named exported one, or an embedded type (whose exported
// members are promoted).
func exportedField(f *ast.Field) bool {
	if len(f.Names) == 0 {
		return true
	}
	for _, n := range f.Names {
		if n.IsExported() {
			return true
		}
	}
	return false
}

func exportedRecv(recv *ast.FieldList) bool {
	typ := recv.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
		case *ast.IndexExpr:
			typ = x.X
		case *ast.IndexListExpr:
			typ = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}
