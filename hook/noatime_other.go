//go:build !linux

package hook

// noatime is O_NOATIME where the system has it (see noatime_linux.go).
const noatime = 0
