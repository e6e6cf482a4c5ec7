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
// _dl_map_object_deps does. Programs (files with PT_INTERP) are simulated
// first; a library that one of them loads is then judged in that
// program's process (File.LoadedBy; its findings are the program's), and
// a library nothing loads is judged alone, as dlopen()ed by a program
// that brings nothing else. A name is looked up as _dl_map_object does:
//
//  1. an object already in the process whose load name or DT_SONAME is the
//     name satisfies it (the --host's objects first);
//  2. a name with a slash is a path ($ORIGIN expanded);
//  3. otherwise the directories, in order: when the object that needs the
//     library has no DT_RUNPATH, the DT_RPATH of that object and of each
//     object that loaded it, up to the checked file, and the --host
//     program's (an object's DT_RPATH is ignored when it has a
//     DT_RUNPATH, as glibc ignores it); Config.Libs, where
//     LD_LIBRARY_PATH is searched; the object's own DT_RUNPATH, never
//     inherited; then, unless Config.NoDefaultDirs or the object has
//     DF_1_NODEFLIB, the loader's ld.so.cache and its default
//     directories;
//  4. the dynamic loader's own sonames (ld-linux-x86-64.so.2, …) are
//     always satisfied: the loader is in every process.
//
// A library found only through Config.Libs is a warning (kind libs-only):
// the file loads only with LD_LIBRARY_PATH set.
//
// # The loader's own directories
//
// The default directories are those of the loader that loads the file:
// the program's PT_INTERP, the --host's, or Config.Interpreter (in a Nix
// build $NIX_BINTOOLS's dynamic-linker), else the machine's loader at
// its standard path. glibc compiles them into ld.so as system_dirs, a run
// of "/…/" strings next to the array of their lengths; check reads that
// table from the loader file, and the ld.so.cache path compiled in next
// to it (/etc/ld.so.cache on Debian; a Nix glibc reads none that exists).
// So Debian's loader searches its cache, /lib/<triple>, /usr/lib/<triple>,
// /lib and /usr/lib, and a glibc built by Nix its own lib directory. A
// loader without that table is taken to search its own directory when
// it lies outside the system directories (Nix), and the multiarch,
// multilib and plain lib directories ([DefaultDirs]) otherwise.
// Config.DefaultDirs replaces all this.
//
// # The interpreter and the target
//
// A program's PT_INTERP must exist, be an ELF file of the program's
// class, byte order and machine, and be a loader (an executable or shared
// object with no PT_INTERP and no DT_NEEDED of its own); otherwise the
// program cannot start, which is an error (kind bad-interpreter) and the
// only finding for it. With a Config.Target (or a Config.Interpreter,
// whose platform it then is), files of another architecture or an
// incompatible OS ABI are listed with an info finding (kind
// other-architecture) and not checked, as `gopatchelf auto` skips them.
//
// A file is taken as a library only if it is an ELF shared object of the
// checked file's machine, class and byte order with a compatible OS ABI;
// others are skipped, as glibc's open_verify skips them, and listed as
// rejected. $ORIGIN is the directory of the path an object was found by
// (symlinks kept), and for an executable the directory of its resolved
// path (the loader reads /proc/self/exe). .note.dlopen libraries (any one
// of the alternatives) are looked up after start-up from the object that
// lists them; a missing one whose priority is "suggested" is a warning.
//
// The same library is reported once per checked file and object that
// wants it, with the chain of objects that led there.
//
// # Modules and their hosts
//
// A module runs inside a host program: Python extensions (*.cpython-*,
// *.abi3.*, *.pypy*, or exporting PyInit_*), node addons (*.node,
// napi_register_module_v1, node_register_module_v*), Perl XS (boot_* and
// Perl's API), Ruby (Init_* and rb_*), Lua (luaopen_*) and R (R_init_*)
// (File.Host). With Config.Hosts (--host PROGRAM) the host program is
// loaded as it starts, and a module of its kind is judged in that
// process: the host's objects satisfy the module's DT_NEEDED names, its
// DT_RPATH and loader apply, and with UndefinedSymbols what the host and
// the libraries it loads define (libm for python3) defines the module's
// symbols. Without a host, the module's symbols of its host's API (Py*,
// _Py*; napi_*, node_api_*, uv_*, V8 and node:: symbols; Perl_*, PL_*;
// rb_*, ruby_*; lua_*, luaL_*; R_*, Rf_*) are taken as provided by the
// host; the others are judged as any library's.
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
// object of the process. Symbols are read with debug/elf and need section
// headers.
//
// # One library from two places
//
// Modules of one host kind that one process can import together (under
// one site-packages, dist-packages or node_modules, else one
// Config.Paths entry) must not load one library from two places: the same
// soname from two files (glibc hands the second module the copy already
// loaded), or, for lxml and xmlsec, libxml2, libxslt or libexslt in two
// copies (xmlsec refuses a libxml2 other than lxml's: "lxml & xmlsec
// libxml2 library version mismatch"). What is loaded is compared:
// identical bytes, else the version in the real file name
// (libxslt.so.1.1.35, auditwheel's libxslt-1a2b3c4d.so.1.1.35), else the
// version definitions. Copies that differ in version are an error on the
// second module naming the library (kind duplicate-library); one version
// in two copies, or copies that cannot be told apart, a warning.
//
// # What it does not do
//
//   - It reads no LD_LIBRARY_PATH: Config.Libs takes its place.
//   - $LIB is expanded as glibc's multilib default ("lib64" for 64-bit
//     files, "lib" otherwise); $PLATFORM depends on the CPU, so entries
//     using it are reported as not checked, like empty and relative
//     entries, which depend on the working directory.
//   - ARM float ABI, glibc-hwcaps subdirectories and the hwcaps entries
//     of ld.so.cache are not considered.
//   - A module is judged in its host only with --host; without it, a
//     dependency the host program would bring (libpython for an
//     extension built against it) is missing unless it is found.
//   - It does not run constructors or bind symbols: a library that loads
//     but fails in its initialiser, or a static-TLS shortage, is not seen.
//
// # Findings and the JSON document
//
// Problems are [Finding] values in the [Report], never errors; Check
// fails only for an unusable [Config] or a cancelled context. A finding of
// severity "error" fails the check ([Report.OK]), "warning" does not.
// [Report.MarshalJSON] writes the document `gopatchelf check --format
// json` prints ([Report.WriteJSON] indents it). Its schema is stable:
// fields are added, never renamed or removed without changing "version".
// The other two formats are renderings of the report too:
// [Report.WriteText] (findings grouped by Python distribution and file,
// then a summary line) and [Report.WriteGitHub] (GitHub Actions workflow
// commands).
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
//	      "loaded": 4,                 // objects in the process, itself included
//	      "loaded_by": "out/bin/prog", // judged in this program's process; omitted if alone
//	      "host": "python"             // python|node|perl|ruby|lua|R for a module; omitted if none
//	    }
//	  ],
//	  "findings": [                    // in walk order of "file"
//	    {
//	      "severity": "error|warning|info",
//	      "kind": "missing-library|missing-version|undefined-symbol|duplicate-library|bad-interpreter|
//	               libs-only|other-architecture|unreadable|search-path",
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
//	      "provider": "/abs/libc.so.6", "version": "GLIBC_2.38", // also: the interpreter, the --libs file, the first copy
//	      "defined": ["GLIBC_2.2.5", …, "GLIBC_2.36"], // provider's versions of that family
//	      "symbol": "xmlFree",
//	      "detail": "…",               // unreadable: the error; other kinds without a message of their own: the text
//	      "message": "…"               // the finding as one line (Finding.Message)
//	    }
//	  ],
//	  "summary": {"files": 3, "errors": 1, "warnings": 0, "ignored": 0} // info findings are not counted
//	}
//
// Empty fields are omitted, except "path" and "via" of deps.
//
// # Beyond the loader
//
// Missing libraries carry resolver.Hint's Nix package, and findings carry
// the Python distribution that owns the file. The kind libxml-mismatch of
// earlier documents is no longer produced: duplicate-library covers it.
//
// # Hostile input
//
// Headers are parsed by package elf, which bounds every offset; the
// version tables are walked with a record budget and bounds checks. The
// symbol table is read with debug/elf, which is not hardened: a panic there
// becomes a warning. RECORD files are read up to 16 MiB.
package linkcheck
