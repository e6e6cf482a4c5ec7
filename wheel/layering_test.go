package wheel

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wheel reads and writes streams: no logging, no hook, no subprocesses.
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
