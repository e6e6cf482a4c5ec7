# authentik's Python dependencies, installed by `uv sync --frozen` from uv.lock into a virtualenv.
#
# A fixed-output derivation (FOD): it may use the network because its output hash is declared up
# front. Wheels come prebuilt from PyPI (cp314 where published); sdist-only packages (psycopg-c,
# gssapi) and lxml/xmlsec (no-binary in pyproject.toml, to use the system libxml2) are compiled
# here against Nix libraries. An FOD must not refer to other store paths, so the compiled .so
# files lose their Nix run paths below; authentik-django.nix copies site-packages and
# gopatchelfHook links every .so again against that derivation's buildInputs.
#
# outputHash must be recomputed whenever uv.lock changes (or the library versions below do):
# set it to lib.fakeHash, build, and copy the hash Nix reports.
{
  lib,
  stdenv,
  python314,
  uv,
  cacert,
  pkg-config,
  gopatchelf,
  postgresql,
  libpq,
  krb5,
  libxml2,
  libxslt,
  xmlsec,
  openssl,
  libtool,
  libffi,
  zlib,
  libmaxminddb,
  # authentik's source tree (pyproject.toml, uv.lock, packages/) and its version.
  src,
  version,
}:

let
  python = python314;

  # Build-time inputs of the sdist builds.
  libraries = [
    libpq # psycopg-c links libpq
    krb5 # gssapi, python-kadmin-rs
    libxml2 # lxml, xmlsec: the same libxml2 for both, or xmlsec refuses to load next to lxml
    libxslt
    xmlsec
    openssl
    libtool # libltdl: xmlsec links -lltdl
    libffi
    zlib
    libmaxminddb
  ];

in
stdenv.mkDerivation {
  pname = "authentik-python-deps";
  inherit version src;

  nativeBuildInputs = [
    uv
    python
    cacert
    pkg-config
    gopatchelf # scrub: store references out of the FOD, ELF-aware
    # psycopg-c's build runs pg_config; it is a derivation of its own, not in postgresql's bin.
    postgresql.pg_config
  ];
  buildInputs = libraries;

  env = {
    # gss_acquire_cred_impersonate_name (used by gssapi's S4U extension) is declared in
    # gssapi_ext.h, which gssapi's generated C does not include.
    NIX_CFLAGS_COMPILE = "-include gssapi/gssapi_ext.h";
    UV_PYTHON = python.interpreter;
    UV_PYTHON_DOWNLOADS = "never";
    UV_PYTHON_PREFERENCE = "only-system";
    UV_NO_CONFIG = "1";
    UV_LINK_MODE = "copy";
    UV_COMPILE_BYTECODE = "0";
    SSL_CERT_FILE = "${cacert}/etc/ssl/certs/ca-bundle.crt";
  };

  dontConfigure = true;

  buildPhase = ''
    runHook preBuild
    export HOME=$TMPDIR
    export UV_CACHE_DIR=$TMPDIR/uv-cache
    # The venv is the output.
    export UV_PROJECT_ENVIRONMENT=$out

    # Only the third-party dependencies: authentik itself and its four workspace packages are
    # copied from the source by authentik-django.nix, and opencontainers (a git dependency in
    # uv.lock) comes from fetchFromGitHub there, so no git checkout happens in here.
    uv sync --frozen --no-dev \
      --no-install-project --no-install-workspace \
      --no-install-package opencontainers

    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall

    # Console scripts carry the interpreter's store path in their #! lines; authentik-django.nix
    # recreates bin/. Byte code is rebuilt at run time; pyvenv.cfg names the interpreter.
    rm -rf "$out/bin"
    find "$out" -name '__pycache__' -type d -prune -exec rm -rf {} +
    find "$out" -name '*.pyc' -delete
    echo "home = /interpreter-set-by-authentik-django" > "$out/pyvenv.cfg"

    # Drop every /nix/store reference the FOD may not hold: store entries leave the RUNPATH/RPATH
    # of the compiled .so files ($ORIGIN entries stay), a store interpreter becomes the standard
    # path of the same loader, and store hashes in debug sections become e's. What is left
    # (a path in .rodata, a text file) is listed with its file, holder and offset, and fails the
    # build here rather than with Nix's terse "illegal path references in fixed-output
    # derivation". No list of targets to keep complete, as stripping by target needed (19
    # references before it, 6 left until the -dev outputs were added to that list).
    gopatchelf scrub --store-dir ${builtins.storeDir} "$out"

    runHook postInstall
  '';

  # Nothing to strip or patch in an FOD; the main derivation does the fixup.
  dontFixup = true;

  impureEnvVars = lib.fetchers.proxyImpureEnvVars;
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";
  outputHash = lib.fakeHash;

  meta = {
    description = "Python dependencies of authentik (uv sync --frozen into a virtualenv)";
    platforms = lib.platforms.linux;
  };
}
