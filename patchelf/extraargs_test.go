package patchelf

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseExtraArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want ExtraArgs
		err  string
	}{
		{"none", nil, ExtraArgs{}, ""},
		{"setup hook's", []string{"--force-rpath", "--page-size", "65536", "--debug", "--add-rpath", "/x", "--no-default-lib", "--frobnicate"},
			ExtraArgs{ForceRpath: true, PageSize: 65536, NoDefaultLib: true, Ignored: []string{"--add-rpath", "--frobnicate"}}, ""},
		{"= form, hex, two values skipped", []string{"--page-size=0x4000", "--replace-needed", "a", "b"},
			ExtraArgs{PageSize: 0x4000, Ignored: []string{"--replace-needed"}}, ""},
		{"value flag last", []string{"--set-rpath"}, ExtraArgs{Ignored: []string{"--set-rpath"}}, ""},
		{"harmless", []string{"--no-sort", "--no-clobber-old-sections"}, ExtraArgs{}, ""},
		{"no value", []string{"--page-size"}, ExtraArgs{}, "--page-size needs a value"},
		{"not a power of two", []string{"--page-size", "4095"}, ExtraArgs{}, `invalid --page-size "4095": want a power of two`},
		{"not a number", []string{"--page-size", "big"}, ExtraArgs{}, `invalid --page-size "big": want a power of two`},
		{"zero", []string{"--page-size=0"}, ExtraArgs{}, `invalid --page-size "0": want a power of two`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseExtraArgs(tc.args)
			if tc.err != "" {
				assert.EqualError(t, err, tc.err)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
