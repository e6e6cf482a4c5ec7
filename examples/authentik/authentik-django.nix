# authentik-django: authentik's Python/Django backend, as a self-contained virtualenv in $out.
#
# site-packages comes from python-deps.nix (uv sync FOD) with its Nix run paths removed;
# gopatchelfHook (the drop-in for autoPatchelfHook) then gives every .so file a RUNPATH to the
# libraries below, in fixupPhase. With autoPatchelfHook, swap that one name in nativeBuildInputs.
{
  lib,
  stdenv,
  fetchFromGitHub,
  python314,
  gopatchelfHook,
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
  # authentik's source tree and version; the same as given to python-deps.nix.
  src,
  version,
  python-deps,
  # The built web UI (dist/ and authentik/ from authentik's web/ build): email templates refer to
  # its assets.
  webui,
}:

let
  python = python314;
  inherit (python) sitePackages;

  # A git dependency in uv.lock, pinned to the same revision; not installed by python-deps.nix.
  opencontainers = fetchFromGitHub {
    owner = "vsoch";
    repo = "oci-python";
    rev = "ceb4fcc090851717a3069d78e85ceb1e86c2740c";
    hash = lib.fakeHash;
  };

  # The uv workspace members: directory in packages/ and the Python package inside it.
  workspacePackages = {
    "ak-guardian" = "guardian";
    "django-channels-postgres" = "django_channels_postgres";
    "django-dramatiq-postgres" = "django_dramatiq_postgres";
    "django-postgres-cache" = "django_postgres_cache";
  };
in
stdenv.mkDerivation {
  pname = "authentik-django";
  inherit version src;

  nativeBuildInputs = [ gopatchelfHook ];

  # What the native extensions need at run time (gopatchelfHook searches each input's lib/):
  # psycopg-c -> libpq; gssapi, python-kadmin-rs -> krb5; lxml -> libxml2, libxslt, libexslt,
  # zlib; xmlsec -> libxmlsec1, libxmlsec1-openssl, libltdl, libcrypto; libssl, libffi,
  # libmaxminddb; manylinux wheels -> libstdc++, libgcc_s. Explicit lib outputs, because the
  # default output of a multi-output package may hold headers only.
  buildInputs = map lib.getLib [
    python
    libpq
    krb5
    libxml2
    libxslt
    xmlsec
    openssl
    libtool # libltdl.so.7
    libffi
    zlib
    libmaxminddb
    stdenv.cc.cc
  ];

  postPatch = ''
    # Paths resolved relative to the source tree at run time point into $out instead.
    substituteInPlace authentik/root/settings.py \
      --replace-fail 'Path(__file__).absolute().parent.parent.parent' "Path(\"$out\")"
    substituteInPlace authentik/lib/default.yml \
      --replace-fail '/blueprints' "$out/blueprints" \
      --replace-fail './media' '/var/lib/authentik/media'
    substituteInPlace authentik/stages/email/utils.py \
      --replace-fail 'web/' '${webui}/'
  '';

  dontConfigure = true;
  dontBuild = true;

  installPhase = ''
    runHook preInstall

    local site=$out/${sitePackages}
    mkdir -p "$site" "$out/bin"

    # The third-party packages (their .so files are patched in fixupPhase).
    cp -r ${python-deps}/${sitePackages}/. "$site/"
    chmod -R u+w "$out"

    # The virtualenv around them: bin/ links to the interpreter, pyvenv.cfg names its home.
    ln -s ${python.interpreter} "$out/bin/python${python.pythonVersion}"
    ln -s "python${python.pythonVersion}" "$out/bin/python3"
    ln -s "python${python.pythonVersion}" "$out/bin/python"
    cat > "$out/pyvenv.cfg" <<EOF
    home = ${python}/bin
    include-system-site-packages = false
    version = ${python.version}
    EOF

    # The four uv workspace members, straight from the source tree.
    ${lib.concatStringsSep "\n" (
      lib.mapAttrsToList (dir: pkg: ''cp -r "packages/${dir}/${pkg}" "$site/"'') workspacePackages
    )}

    # authentik itself and its lifecycle scripts, importable from site-packages.
    cp -r authentik lifecycle "$site/"
    cp -r ${opencontainers}/opencontainers "$site/"

    # What authentik expects next to its code: manage.py, blueprints (settings.py and
    # default.yml now point at $out), and the usual top-level links.
    cp manage.py "$site/"
    cp -r blueprints "$out/"
    ln -s "$site/authentik" "$out/authentik"
    ln -s "$site/lifecycle" "$out/lifecycle"

    runHook postInstall
  '';

  # Runs after fixupPhase, so on the patched files.
  doInstallCheck = true;
  installCheckPhase = ''
    runHook preInstallCheck

    # The build plan's check.
    $out/bin/python3.14 -c "import authentik"

    # Every native extension loads: each one's libraries resolve through the RUNPATH just
    # written, and lxml and xmlsec agree on libxml2 (xmlsec checks at import).
    $out/bin/python3.14 -c '
    import lxml.etree, xmlsec, gssapi, kadmin, psycopg, maxminddb.extension
    import cryptography.hazmat.bindings._rust
    assert psycopg.pq.__impl__ == "c", psycopg.pq.__impl__
    '

    # And statically: every DT_NEEDED of every ELF file in $out resolves through its RUNPATH
    # (or is a libc library). gopatchelf comes with the hook.
    gopatchelf check "$out"

    runHook postInstallCheck
  '';

  passthru = {
    inherit python python-deps;
  };

  meta = {
    description = "authentik's Python/Django backend with its dependencies, linked by gopatchelfHook";
    homepage = "https://goauthentik.io/";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "python3.14";
  };
}
