# Evaluates the repository's Nix files against a stub of nixpkgs, with no store and no network:
#   nix-instantiate --eval --strict --json nix/tests/eval.nix   # prints true, or fails naming a check
# It proves that the files fit together: function arguments, attribute names, how the hook is
# wired to gopatchelf and bintools, the overlays, the examples' phases. It does not prove that
# anything builds; that takes real Nix (`nix flake check` runs nix/tests/hook.nix).
# nixhook/test/lint.sh runs it in CI.
let
  check = name: cond: if cond then true else throw "nix/tests/eval.nix: check failed: ${name}";
  hasInfix = infix: s: builtins.match ".*${escapeRegex infix}.*" s != null;
  escapeRegex = builtins.replaceStrings [ "." "*" "+" "?" "(" ")" "[" "]" "{" "}" "|" "\\" "^" "$" ] [
    "\\."
    "\\*"
    "\\+"
    "\\?"
    "\\("
    "\\)"
    "\\["
    "\\]"
    "\\{"
    "\\}"
    "\\|"
    "\\\\"
    "\\^"
    "\\$"
  ];
  elem = builtins.elem;
  outPaths = map (d: d.outPath);

  # A stand-in for a derivation: just enough for interpolation and the attributes we read.
  drv =
    name: outputs:
    let
      self = {
        type = "derivation";
        inherit name outputs;
        outPath = "/nix/store/00000000000000000000000000000000-${name}";
        meta.mainProgram = name;
      }
      // builtins.listToAttrs (
        map (o: {
          name = o;
          value = if o == "out" then self else drv "${name}-${o}" [ o ];
        }) outputs
      );
    in
    self;

  lib = {
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    platforms.linux = [ "x86_64-linux" ];
    licenses.mit = "mit";
    fetchers.proxyImpureEnvVars = [ "http_proxy" ];
    getExe = d: "${d.outPath}/bin/${d.meta.mainProgram}";
    getLib = d: d.lib or d.out or d;
    unique = builtins.foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
    concatMap = f: l: builtins.concatLists (map f l);
    concatStringsSep = builtins.concatStringsSep;
    concatMapStringsSep = sep: f: l: builtins.concatStringsSep sep (map f l);
    mapAttrsToList = f: set: map (n: f n set.${n}) (builtins.attrNames set);
    optionalString = c: s: if c then s else "";
    genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
    fileset = {
      unions = list: { unions = list; };
      fileFilter = predicate: root: { inherit predicate root; };
      toSource = args: args // { outPath = "/nix/store/00000000000000000000000000000000-source"; };
    };
  };

  # The stub package set, with overlays applied as nixpkgs does (final is the fixed point).
  # Builders return their arguments so that checks can read them.
  stubPkgs =
    {
      withGo126 ? true,
      overlays ? [ ],
    }:
    let
      final = builtins.foldl' (prev: overlay: prev // overlay final prev) pkgs overlays;
      pkgs = {
        inherit lib;
        autoPatchelfHook = drv "auto-patchelf-hook" [ "out" ];
        callPackage =
          fn: args:
          let
            f = if builtins.isFunction fn then fn else import fn;
          in
          f (builtins.intersectAttrs (builtins.functionArgs f) final // args);
        buildGoModule = args: args // { builtBy = "buildGoModule"; } // drv "${args.pname}-${args.version}" [ "out" ] // {
          inherit (args) meta;
        };
        makeSetupHook = args: script: args // { inherit script; } // drv args.name [ "out" ];
        fetchFromGitHub = args: args // drv "source" [ "out" ];
        stdenv = {
          mkDerivation = args: args // drv (args.name or "${args.pname}-${args.version}") (args.outputs or [ "out" ]);
          cc = drv "gcc-wrapper" [ "out" "man" ] // {
            cc = drv "gcc" [ "out" "lib" "man" ];
            libc = drv "glibc" [ "out" "bin" "dev" "static" ];
            bintools = drv "binutils-wrapper" [ "out" ];
          };
          hostPlatform.system = "x86_64-linux";
        };
        python314 = drv "python3-3.14.0" [ "out" ] // {
          sitePackages = "lib/python3.14/site-packages";
          interpreter = "/nix/store/00000000000000000000000000000000-python3-3.14.0/bin/python3.14";
          version = "3.14.0";
          pythonVersion = "3.14";
        };
        postgresql = drv "postgresql" [ "out" "dev" ] // {
          pg_config = drv "postgresql-pg-config" [ "out" ];
        };
        krb5 = drv "krb5" [ "out" "dev" "lib" ];
        libxml2 = drv "libxml2" [ "bin" "dev" "out" ];
        openssl = drv "openssl" [ "bin" "dev" "out" "man" ];
        libtool = drv "libtool" [ "out" "lib" ];
      }
      // builtins.listToAttrs (
        map (n: { name = n; value = drv n [ "out" ]; }) [
          "bintools"
          "patchelf"
          "uv"
          "cacert"
          "pkg-config"
          "removeReferencesTo"
          "libpq"
          "libxslt"
          "xmlsec"
          "libffi"
          "zlib"
          "libmaxminddb"
        ]
      )
      // (
        if withGo126 then
          { buildGo126Module = args: pkgs.buildGoModule args // { builtBy = "buildGo126Module"; }; }
        else
          { }
      );
    in
    final;

  pkgs = stubPkgs { };
  top = import ../../default.nix { inherit pkgs; };
  inherit (top) gopatchelf gopatchelfHook;
  fallback = (import ../../default.nix { pkgs = stubPkgs { withGo126 = false; }; }).gopatchelf;

  replaced = stubPkgs { overlays = [ (import ../overlay.nix) ]; };
  added = stubPkgs { overlays = [ (import ../packages-overlay.nix) ]; };

  authentik = import ../../examples/authentik {
    pkgs = added;
    webui = drv "authentik-webui" [ "out" ];
  };
  deps = authentik.python-deps;
  django = authentik.authentik-django;

  # flake.nix, with nixpkgs replaced by the stub.
  flake = (import ../../flake.nix).outputs {
    self = flake;
    nixpkgs = {
      inherit lib;
      legacyPackages = lib.genAttrs [
        "x86_64-linux"
        "aarch64-linux"
        "i686-linux"
        "armv7l-linux"
        "riscv64-linux"
        "powerpc64le-linux"
      ] (system: pkgs);
    };
  };

  hookTest = pkgs.callPackage ../tests/hook.nix { inherit gopatchelfHook; };
  hookTestStructured = pkgs.callPackage ../tests/hook.nix {
    inherit gopatchelfHook;
    structuredAttrs = true;
  };
in
builtins.all (x: x) [
  # nix/package.nix
  (check "gopatchelf is built by buildGo126Module" (gopatchelf.builtBy == "buildGo126Module"))
  (check "falls back to buildGoModule" (fallback.builtBy == "buildGoModule"))
  (check "pname" (gopatchelf.pname == "gopatchelf"))
  (check "subPackages" (gopatchelf.subPackages == [ "cmd/gopatchelf" ]))
  (check "vendorHash is an SRI sha256" (
    builtins.match "sha256-[A-Za-z0-9+/]{43}=" gopatchelf.vendorHash != null
  ))
  (check "static build" (gopatchelf.env.CGO_ENABLED == 0))
  (check "mainProgram" (gopatchelf.meta.mainProgram == "gopatchelf"))
  (check "source holds go.mod and go.sum" (
    elem ../../go.mod gopatchelf.src.fileset.unions && elem ../../go.sum gopatchelf.src.fileset.unions
  ))

  # nix/hook.nix
  (check "hook name" (gopatchelfHook.name == "gopatchelf-hook"))
  (check "hook script" (gopatchelfHook.script == ../../nixhook/setup-hook.sh))
  (check "hook propagates gopatchelf and bintools" (
    outPaths gopatchelfHook.propagatedBuildInputs == outPaths [
      gopatchelf
      pkgs.bintools
    ]
  ))
  (check "@gopatchelf@ is the binary" (
    gopatchelfHook.substitutions.gopatchelf == "${gopatchelf.outPath}/bin/gopatchelf"
  ))

  # nix/overlay.nix, nix/packages-overlay.nix
  (check "replacing overlay: autoPatchelfHook is gopatchelfHook" (
    replaced.autoPatchelfHook.name == "gopatchelf-hook"
  ))
  (check "replacing overlay: gopatchelf" (replaced.gopatchelf.pname == "gopatchelf"))
  (check "adding overlay keeps autoPatchelfHook" (added.autoPatchelfHook.name == "auto-patchelf-hook"))
  (check "adding overlay: gopatchelfHook" (added.gopatchelfHook.name == "gopatchelf-hook"))

  # flake.nix
  (check "flake: default package" (flake.packages.x86_64-linux.default.pname == "gopatchelf"))
  (check "flake: hook package" (flake.packages.aarch64-linux.gopatchelfHook.name == "gopatchelf-hook"))
  (check "flake: overlays" (
    (flake.overlays.replaceAutoPatchelfHook pkgs pkgs) ? autoPatchelfHook
    && !((flake.overlays.default pkgs pkgs) ? autoPatchelfHook)
  ))
  (check "flake: checks run the hook test both ways" (
    flake.checks.x86_64-linux.hook.__structuredAttrs == false
    && flake.checks.x86_64-linux.hook-structured-attrs.__structuredAttrs == true
  ))

  # examples/authentik
  (check "python-deps is a recursive FOD" (
    deps.outputHashMode == "recursive" && deps.outputHashAlgo == "sha256"
  ))
  (check "python-deps runs uv sync --frozen without dev, project and workspace" (
    hasInfix "uv sync --frozen --no-dev" deps.buildPhase
    && hasInfix "--no-install-project --no-install-workspace" deps.buildPhase
  ))
  (check "python-deps: pg_config, gssapi_ext.h, libltdl, libpq" (
    elem pkgs.postgresql.pg_config deps.nativeBuildInputs
    && deps.env.NIX_CFLAGS_COMPILE == "-include gssapi/gssapi_ext.h"
    && elem pkgs.libtool deps.buildInputs
    && elem pkgs.libpq deps.buildInputs
  ))
  (check "python-deps scrubs store references with gopatchelf, no target list" (
    hasInfix "gopatchelf scrub --store-dir" deps.installPhase
    && !(hasInfix "remove-references-to" deps.installPhase)
  ))
  (check "authentik-django uses gopatchelfHook" (
    outPaths django.nativeBuildInputs == outPaths [ added.gopatchelfHook ]
  ))
  (check "authentik-django has the libraries in buildInputs" (
    elem pkgs.krb5.lib django.buildInputs
    && elem pkgs.libtool.lib django.buildInputs
    && elem pkgs.libpq django.buildInputs
    && elem pkgs.libxml2.out django.buildInputs
  ))
  (check "authentik-django copies the four workspace packages" (
    hasInfix "packages/ak-guardian/guardian" django.installPhase
    && hasInfix "packages/django-channels-postgres/django_channels_postgres" django.installPhase
    && hasInfix "packages/django-dramatiq-postgres/django_dramatiq_postgres" django.installPhase
    && hasInfix "packages/django-postgres-cache/django_postgres_cache" django.installPhase
  ))
  (check "authentik-django install checks" (
    django.doInstallCheck
    && hasInfix ''$out/bin/python3.14 -c "import authentik"'' django.installCheckPhase
    && hasInfix ''gopatchelf check "$out"'' django.installCheckPhase
  ))

  # nix/tests/hook.nix
  (check "hook test uses gopatchelfHook" (elem gopatchelfHook hookTest.nativeBuildInputs))
  (check "hook test skips the debug output" (elem "debug" hookTest.outputs))
  (check "hook test structured attrs" (hookTestStructured.__structuredAttrs && !hookTest.__structuredAttrs))
]
