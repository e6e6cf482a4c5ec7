package layering_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/gopatchelf/gopatchelf/"

// TestLayering lists each package's dependencies with go list and checks
// them against what its layer may use (style guide, "Add a layering test").
// "os" cannot be banned: debug/elf imports it for elf.Open.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	library := []string{"github.com/sirupsen/logrus", "os/exec", module + "hook", module + "cmd/"}
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"elf", library},
		{"resolver", library},
		{"ldcache", library},
		{"storeref", library},
		{"wheel", library},
		{"linkcheck", library},
		{"relink", library},
		{"libindex", library},
		{"internal/ordered", library},
		{"patchelf", []string{"os/exec", module + "hook", module + "cmd/"}},
		{"internal/atomicfile", library},
		{"hook", []string{"os/exec", module + "cmd/"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", module+tt.pkg).Output()
			require.NoError(t, err)
			for dep := range strings.FieldsSeq(string(out)) {
				for _, bad := range tt.forbidden {
					if strings.HasSuffix(bad, "/") {
						assert.False(t, strings.HasPrefix(dep, bad), "%s depends on %s", tt.pkg, dep)
					} else {
						assert.NotEqual(t, bad, dep, "%s depends on %s", tt.pkg, dep)
					}
				}
			}
		})
	}
}
