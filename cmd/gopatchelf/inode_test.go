package main

import (
	"os"
	"strconv"
	"syscall"
)

func inode(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return strconv.FormatUint(st.Ino, 10)
	}
	return "?"
}
