package elf

import "errors"

// Plan lays out f with e applied and returns the patch that turns f into
// the result. An empty patch means nothing would change.
func (f *File) Plan(e Edit) (*Patch, error) {
	return nil, errors.New("not implemented yet")
}
