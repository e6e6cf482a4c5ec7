// Package storeref finds Nix store paths inside files and removes the ones
// an ELF file holds in its dynamic-linking structures.
//
// A fixed-output derivation (FOD) must not refer to any other store path:
// Nix scans its output for the hash part of every input path and fails the
// build on a match. Native code built inside an FOD (a Python venv made by
// `uv sync`, say) carries store paths in its RUNPATH, its interpreter and,
// with -g, in the include directories of its debug information. The usual
// tool, nixpkgs' remove-references-to, overwrites the hash of every path it
// is given anywhere in a file, which needs a complete list of targets (the
// -dev outputs are easy to forget) and edits bytes it knows nothing about.
//
// # Finding
//
// [Scan] looks for `<store dir>/<32 characters of Nix base32>-<name>` in
// the raw bytes of any file, text or binary. In an ELF file each match is
// attributed to what holds it: a RUNPATH or RPATH entry, the interpreter,
// a DT_NEEDED or DT_SONAME string, or else plain bytes at an offset in a
// named section. A path whose hash is all 'e' — what remove-references-to
// and [Scrub] leave behind — is not a reference (Nix does not see it either:
// no store path has that hash) and is not reported.
//
// # Scrubbing
//
// [Scrub] changes an ELF file the ELF-aware way, through package elf:
//
//   - RUNPATH and RPATH lose their store entries and keep the others
//     ($ORIGIN-relative ones, /usr/lib, …); an entry list that ends up
//     empty is removed;
//   - an interpreter in the store is replaced by a placeholder: by default
//     the FHS path of the same loader for the file's architecture
//     (/lib64/ld-linux-x86-64.so.2 for x86-64 glibc, see
//     [PlaceholderInterpreter]). It names no store path, depends only on
//     the file, so the FOD's hash does not change when nixpkgs does, keeps
//     the program runnable on an FHS system, and is overwritten by
//     autoPatchelfHook (or gopatchelf auto) in the derivation that uses the
//     FOD, which sets the interpreter of every executable that has one;
//   - unless told not to, the hash of every store path in a section the
//     loader never maps (no SHF_ALLOC and outside every PT_LOAD: DWARF,
//     .comment, .symtab) is overwritten with 'e's, as remove-references-to
//     would, since nothing at run time reads those bytes.
//
// Everything else is left alone and reported by a re-scan: a store path in
// .rodata is program data (a compiled-in default), and rewriting it is a
// decision for the package, not for a scrubber. When package elf cannot
// prove that the old RUNPATH string is unshared in .dynstr, the old bytes
// stay there too; the re-scan reports them as plain bytes in .dynstr.
//
// [Scan] and [Scrub] work on byte slices. [ScanPaths] and [ScrubPaths] walk
// trees (sorted, links not followed), read the files and, for scrub, write
// the changed ones through internal/atomicfile; they return a [Report].
// The package does no logging.
//
// # JSON report
//
// A [Report] encodes as the document `gopatchelf refs --format json` and
// `gopatchelf scrub --format json` print ([Report.WriteJSON]; their text
// is [Report.WriteRefs] and [Report.WriteScrub]). Lists are never null; keys marked
// optional are left out when empty. Fields may be added; none will change
// meaning.
//
//	{
//	  "store_dir": "/nix/store",          // the store directory searched
//	  "files": [                          // walk order
//	    {
//	      "path": "out/lib/libfoo.so",     // as reached from the PATH given
//	      "elf_error": "…",                // optional: why an ELF-looking file did not parse
//	      "changed": true,                 // scrub only: rewritten (or would be, --dry-run)
//	      "changes": [                     // scrub only, optional: what changed
//	        {"kind": "runpath", "old": "/nix/store/…-krb5/lib:$ORIGIN", "new": "$ORIGIN"},
//	        {"kind": "bytes", "old": "/nix/store/…-krb5", "new": "/nix/store/eee…-krb5",
//	         "offset": 4096, "section": ".debug_str"}    // offset, section: bytes only
//	      ],
//	      "refs": [                        // refs: every reference; scrub: those remaining
//	        {
//	          "kind": "runpath",           // runpath, rpath, interpreter, needed, soname, bytes, symlink
//	          "store_path": "/nix/store/…-krb5",
//	          "value": "/nix/store/…-krb5/lib", // optional: the whole string, for structural kinds and links
//	          "offset": 1234,              // file offset of the store path, -1 when not in the file
//	          "section": ".dynstr"         // optional: the ELF section holding offset
//	        }
//	      ]
//	    }
//	  ],
//	  "store_paths": ["/nix/store/…-krb5"], // distinct store paths of all refs, sorted
//	  "errors": [                         // files not read, scrubbed or written (left untouched)
//	    {"path": "out/bad.so", "error": "out/bad.so: …"}
//	  ]
//	}
//
// In scrub's report a file that could not be written keeps its entry in
// "files" with "changed": false and all its references, so the references
// remaining are counted correctly.
package storeref
