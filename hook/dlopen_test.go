package hook

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noteC defines a .note.dlopen note the way systemd's ELF_NOTE_DLOPEN
// does; gas gives sections named .note* the type SHT_NOTE.
const noteC = `
#define JSON "[{\"soname\":[\"libbar.so.9\",\"libbar.so\"],\"priority\":\"recommended\"}," \
             "{\"soname\":[\"libnope.so.1\",\"libnope.so\"]}]"
struct note {
	unsigned namesz, descsz, type;
	char name[4];
	char desc[(sizeof(JSON) + 3) & ~3];
};
__attribute__((section(".note.dlopen"), used, aligned(4)))
static const struct note n = { 4, sizeof(n.desc), 0x407c0c0a, "FDO", JSON };
int plugin_host(void) { return 0; }
`

// .note.dlopen entries are dependencies too: any one soname satisfies an
// entry, and an entry nothing satisfies is reported as any(a, b).
func TestDlopenNotes(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("gcc missing")
		}
		t.Skip("gcc missing")
	}
	root := realTemp(t)
	files := map[string]file{
		"src/host.c":              text(noteC),
		"store/bar/lib/libbar.so": bin(fixture(t, "x86_64/transitive/libbar.so")),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	require.NoError(t, os.MkdirAll("out/lib", 0o755))
	out, err := exec.Command(gcc, "-shared", "-fPIC", "-nostdlib", "-o", "out/lib/libhost.so", "src/host.c").CombinedOutput()
	require.NoError(t, err, string(out))

	events, rep, err := collect(t, Config{Paths: []string{"out"}, Libs: []string{"store/bar/lib"}, Target: x64,
		IgnoreMissing: []string{"libnope.so"}})
	require.NoError(t, err, "the unsatisfied entry is ignored by a candidate's name")
	assert.Equal(t, []Event{
		Searching{File: "out/lib/libhost.so"},
		Dependency{File: "out/lib/libhost.so", Name: "libbar.so", Found: true, Location: root + "/store/bar/lib"},
		Dependency{File: "out/lib/libhost.so", Name: "any(libnope.so.1, libnope.so)"},
		SetRpath{File: "out/lib/libhost.so", Rpath: root + "/store/bar/lib"},
		Summary{Missing: 1},
		IgnoredDependency{File: "out/lib/libhost.so", Name: "any(libnope.so.1, libnope.so)", Pattern: "libnope.so"},
	}, events)
	assert.Equal(t, 1, rep.Count(Patched))
}
