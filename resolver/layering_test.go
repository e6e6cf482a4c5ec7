package resolver

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The resolver stays pure: no logging, no packages of ours that do I/O, no
// subprocesses (style guide, "Add a layering test"). "os" cannot be banned:
// debug/elf imports it for elf.Open.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for dep := range strings.FieldsSeq(string(out)) {
		assert.NotContains(t, dep, "logrus")
		assert.NotContains(t, dep, "/hook")
		assert.NotContains(t, dep, "/cmd/")
		assert.NotEqual(t, "os/exec", dep)
	}
}
