# gopatchelf, the command-line tool, built with buildGoModule.
#
# vendorHash is the NAR hash of the `go mod vendor` output for this source. It changes whenever the
# set of imported packages from other modules changes (a new import, a go.mod/go.sum update), not
# when our own code changes. nixhook/test/lint.sh checks it in CI without Nix; to print the new
# value run `nixhook/test/lint.sh --vendor-hash` (or set vendorHash = lib.fakeHash, build, and
# copy the hash Nix reports).
{
  lib,
  buildGoModule,
  # go.mod asks for Go 1.26 and buildGoModule sets GOTOOLCHAIN=local: use the 1.26 builder where
  # nixpkgs has one, so an older default Go does not fail the build.
  buildGo126Module ? null,
}:

let
  build = if buildGo126Module != null then buildGo126Module else buildGoModule;
in
build {
  pname = "gopatchelf";
  version = "0.1.0-dev";

  # Only what the Go build reads, so that editing docs, tests or Nix files does not rebuild it.
  # If a package starts to //go:embed other files, add them here.
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../go.mod
      ../go.sum
      (lib.fileset.fileFilter (file: file.hasExt "go") ../.)
    ];
  };

  vendorHash = "sha256-YSIlCXpCIOVqSlfW5c/gLTxpruZ0el4rD5Hen5t2bsM=";

  subPackages = [ "cmd/gopatchelf" ];

  # Pure Go: a static binary that needs no loader, so the hook works whatever it is patching.
  env.CGO_ENABLED = 0;
  ldflags = [
    "-s"
    "-w"
  ];

  # The test suite needs gcc, Debian cross compilers, qemu-user and the host's dynamic loader to
  # run the programs it patches; none of that is in the build sandbox. CI runs it
  # (.ci/run); nix/tests/hook.nix checks the built tool and hook inside a real stdenv.
  doCheck = false;

  meta = {
    description = "Pure-Go ELF patcher and drop-in replacement for nixpkgs' autoPatchelfHook";
    homepage = "https://github.com/gopatchelf/gopatchelf";
    mainProgram = "gopatchelf";
    platforms = lib.platforms.linux;
  };
}
