// Package linkcheck checks, without running anything, that ELF files would
// load: every DT_NEEDED and .note.dlopen library resolves the way glibc's
// dynamic loader resolves it at run time, every symbol version an object
// needs is defined by the library that provides it, and, on request, every
// undefined symbol is defined somewhere in the process. It is the core of
// `gopatchelf check` (issue 6): CI for unresolved sonames, run on a tree
// after `gopatchelf auto` or on a wheel's site-packages. It never writes.
//
// # How a file is loaded
//
// [Check] walks Config.Paths (sorted, regular files, symlinked directories
// not followed) and simulates, for each dynamically linked ELF file, the
// process that loads it: the file itself, its interpreter when it is an
// executable, and breadth-first every library they need, as glibc's
// _dl_map_object_deps does. A name is looked up as _dl_map_object does:
//
//  1. an object already in the process whose load name or DT_SONAME is the
//     name satisfies it;
//  2. a name with a slash is a path ($ORIGIN expanded);
//  3. otherwise the directories, in order: when the object that needs the
//     library has no DT_RUNPATH, the DT_RPATH of that object and of each
//     object that loaded it, up to the checked file (an object's DT_RPATH
//     is ignored when it has a DT_RUNPATH, as glibc ignores it); the
//     object's own DT_RUNPATH, never inherited; then Config.Libs; then,
//     unless Config.NoDefaultDirs or the object has DF_1_NODEFLIB, the
//     default directories ([DefaultDirs], with the interpreter's own
//     directory first for executables, as Nix's glibc searches it);
//  4. the dynamic loader's own sonames (ld-linux-x86-64.so.2, …) are
//     always satisfied: the loader is in every process.
//
// A file is taken only if it is an ELF shared object of the checked file's
// machine, class and byte order with a compatible OS ABI; others are
// skipped, as glibc's open_verify skips them, and listed as rejected.
// $ORIGIN is the directory of the path an object was found by (symlinks
// kept), and for an executable the directory of its resolved path (the
// loader reads /proc/self/exe). .note.dlopen libraries (any one of the
// alternatives) are looked up after start-up from the object that lists
// them; a missing one whose priority is "suggested" is a warning.
//
// The same library is reported once per checked file and object that
// wants it, with the chain of objects that led there: a library in the
// store that needs something missing shows up under every file that
// loads it.
//
// # Symbol versions
//
// For every object in the process, each .gnu.version_r entry is compared
// with the .gnu.version_d of the object that satisfied that library: a
// wheel built against glibc 2.38 checked against a glibc 2.36 reports
// GLIBC_2.38 as missing, with the newest version the provider has. As in
// glibc, a provider without version definitions is not checked, and a
// weak need is a warning. The tables are read through the dynamic section
// by our own bounded parser ([ReadVersions]), so files without section
// headers are checked too.
//
// With Config.UndefinedSymbols, each undefined dynamic symbol that is not
// weak must be defined (by name; versions are checked above) by some
// object of the process. Python extension modules are not linked to
// libpython, so their Py* and _Py* symbols are left to the interpreter.
// Symbols are read with debug/elf and need section headers.
//
// # What it does not do
//
//   - It reads no ld.so.cache and no LD_LIBRARY_PATH: Config.Libs takes
//     their place, searched after the object's RUNPATH.
//   - $LIB is expanded as glibc's multilib default ("lib64" for 64-bit
//     files, "lib" otherwise); $PLATFORM depends on the CPU, so entries
//     using it are reported as not checked, like empty and relative
//     entries, which depend on the working directory.
//   - The default directories are a superset of what one loader build
//     searches (multiarch and multilib), which errs towards "found".
//     Check Nix outputs with NoDefaultDirs and the libraries in Libs.
//   - ARM float ABI and hwcaps subdirectories are not considered.
//   - A checked file that is a library is treated as dlopen()ed by a
//     program that brings nothing else: a dependency the host program
//     would provide (libpython for an extension module built against it)
//     is reported missing unless it is found.
//
// # Findings and the JSON document
//
// Problems are [Finding] values in the [Report], never errors; Check
// fails only for an unusable [Config] or a cancelled context. A finding of
// severity "error" fails the check ([Report.OK]), "warning" does not.
// [Report.MarshalJSON] writes the document `gopatchelf check --format
// json` prints. Its schema is stable: fields are added, never renamed or
// removed without changing "version".
//
//	{
//	  "version": 1,
//	  "files": [                       // every ELF file found, in walk order
//	    {
//	      "path": "out/lib/foo.so",    // as walked: relative stays relative
//	      "dist": "lxml 5.3.0",        // owning *.dist-info (RECORD lists it); omitted if none
//	      "skipped": "statically linked", // omitted when the file was checked
//	      "deps": [                    // its DT_NEEDED, then .note.dlopen entries
//	        {"name": "libz.so.1", "dlopen": false, "path": "/abs/libz.so.1",
//	         "via": "rpath|runpath|libs|default|loaded|path|loader|unchecked|"}  // "" and path "" when missing
//	      ],
//	      "loaded": 4                  // objects in the process, itself included
//	    }
//	  ],
//	  "findings": [                    // in walk order of "file"
//	    {
//	      "severity": "error|warning",
//	      "kind": "missing-library|missing-version|undefined-symbol|libxml-mismatch|unreadable|search-path",
//	      "file": "out/lib/foo.so",    // the checked file
//	      "dist": "lxml 5.3.0",        // omitted if none
//	      "object": "/abs/libbar.so",  // the object with the problem (file itself or a library it loads)
//	      "chain": ["out/lib/foo.so", "/abs/libbar.so"], // file → … → object
//	      "soname": "libz.so.1",       // missing library, or "any(a, b)"; for versions the library needed from
//	      "candidates": ["a", "b"],    // .note.dlopen alternatives
//	      "dlopen": true,
//	      "searched": ["/dir", …],     // directories looked in, in order
//	      "rejected": ["/dir/libz.so.1: other architecture"],
//	      "ignored_by": "libz*",       // the --ignore-missing pattern (severity is then warning)
//	      "hint": "zlib",              // Nix package that usually provides soname
//	      "provider": "/abs/libc.so.6", "version": "GLIBC_2.38",
//	      "defined": ["GLIBC_2.2.5", …, "GLIBC_2.36"], // provider's versions of that family
//	      "symbol": "xmlFree",
//	      "detail": "…",               // unreadable: the error; libxml-mismatch, search-path: the text
//	      "message": "…"               // the finding as one line (Finding.Message)
//	    }
//	  ],
//	  "summary": {"files": 3, "errors": 1, "warnings": 0, "ignored": 0}
//	}
//
// Empty fields are omitted, except "path" and "via" of deps.
//
// # Beyond the loader
//
// resolver.LibxmlMismatches runs over every process: lxml and xmlsec
// extension modules that load libxml2, libxslt or libexslt from different
// directories are an error ("lxml & xmlsec libxml2 library version
// mismatch" at import). Missing libraries carry resolver.Hint's Nix
// package, and findings carry the Python distribution that owns the file.
//
// # Hostile input
//
// Headers are parsed by package elf, which bounds every offset; the
// version tables are walked with a record budget and bounds checks. The
// symbol table is read with debug/elf, which is not hardened: a panic there
// becomes a warning. RECORD files are read up to 16 MiB.
package linkcheck
