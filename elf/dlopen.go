package elf

import (
	"bytes"
	"encoding/json"
)

// parseDlopen decodes the JSON payload of one `.note.dlopen` note: an array
// of objects whose "soname" lists alternatives. Malformed payloads and
// entries without a soname yield nothing.
func parseDlopen(desc []byte) []DlopenDep {
	desc = bytes.TrimRight(desc, "\x00")
	var deps []DlopenDep
	if err := json.Unmarshal(desc, &deps); err != nil {
		return nil
	}
	out := deps[:0]
	for _, d := range deps {
		if len(d.Sonames) > 0 {
			out = append(out, d)
		}
	}
	return out
}
