// Package layering holds the test that keeps the packages in their layers:
// the library packages (elf, resolver, ldcache, storeref, wheel, linkcheck,
// relink, libindex) never log, never run programs and never reach up into
// hook or cmd; hook never reaches cmd. It has no code of its own.
package layering
