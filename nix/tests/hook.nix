# gopatchelfHook inside nixpkgs' real stdenv (a flake check): a prebuilt program, with a foreign
# interpreter and no run path as a downloaded binary comes, is installed by a derivation that uses
# gopatchelfHook in place of autoPatchelfHook. Its installCheckPhase runs the program, which finds
# libfoo only through the RUNPATH the hook wrote, and checks the interpreter, runtimeDependencies
# and that the debug output was left alone (patching it would fail on a missing library).
{
  lib,
  stdenv,
  patchelf,
  gopatchelfHook,
  structuredAttrs ? false,
}:

let
  library =
    name: value:
    stdenv.mkDerivation {
      name = "gopatchelf-test-lib${name}";
      dontUnpack = true;
      buildPhase = ''
        runHook preBuild
        echo 'int ${name}_value(void) { return ${toString value}; }' > lib.c
        $CC -shared -fPIC -Wl,-soname,lib${name}.so.1 lib.c -o lib${name}.so.1
        runHook postBuild
      '';
      installPhase = ''
        runHook preInstall
        install -Dm755 lib${name}.so.1 $out/lib/lib${name}.so.1
        ln -s lib${name}.so.1 $out/lib/lib${name}.so
        runHook postInstall
      '';
    };

  libfoo = library "foo" 42;
  libmissing = library "missing" 7;
  libplugin = library "plugin" 99;

  # Programs as they come from elsewhere: no run path, an interpreter that does not exist here.
  prebuilt = stdenv.mkDerivation {
    name = "gopatchelf-test-prebuilt";
    dontUnpack = true;
    nativeBuildInputs = [ patchelf ];
    buildInputs = [
      libfoo
      libmissing
    ];
    buildPhase = ''
      runHook preBuild
      cat > prog.c <<'EOF'
      #include <stdio.h>
      int foo_value(void);
      int main(void) { printf("foo_value=%d\n", foo_value()); return 0; }
      EOF
      cat > needs-missing.c <<'EOF'
      int missing_value(void);
      int main(void) { return missing_value(); }
      EOF
      cat > plugin-loader.c <<'EOF'
      #include <dlfcn.h>
      #include <stdio.h>
      int main(void) {
        void *h = dlopen("libplugin.so.1", RTLD_NOW);
        int (*f)(void) = h ? (int (*)(void))dlsym(h, "plugin_value") : 0;
        if (!f) { fprintf(stderr, "%s\n", dlerror()); return 1; }
        printf("plugin_value=%d\n", f());
        return 0;
      }
      EOF
      $CC prog.c -lfoo -o prog
      $CC needs-missing.c -lmissing -o needs-missing
      $CC plugin-loader.c -ldl -o plugin-loader
      runHook postBuild
    '';
    installPhase = ''
      runHook preInstall
      for p in prog needs-missing plugin-loader; do
        install -Dm755 $p $out/bin/$p
        patchelf --remove-rpath --set-interpreter /lib/ld-elsewhere.so.1 $out/bin/$p
      done
      runHook postInstall
    '';
    dontFixup = true;
  };
in
stdenv.mkDerivation {
  name = "gopatchelf-test-hook" + lib.optionalString structuredAttrs "-structured-attrs";
  __structuredAttrs = structuredAttrs;
  dontUnpack = true;
  outputs = [
    "out"
    "debug"
  ];

  nativeBuildInputs = [
    gopatchelfHook
    patchelf
  ];
  buildInputs = [ libfoo ];
  runtimeDependencies = [ libplugin ];

  installPhase = ''
    runHook preInstall
    install -Dm755 ${prebuilt}/bin/prog ${prebuilt}/bin/plugin-loader -t $out/bin
    # Would fail the build if the hook patched the debug output: libmissing is not an input.
    install -Dm755 ${prebuilt}/bin/needs-missing -t $debug/lib/debug
    runHook postInstall
  '';

  doInstallCheck = true;
  installCheckPhase = ''
    runHook preInstallCheck
    [[ "$($out/bin/prog)" == "foo_value=42" ]]
    [[ "$($out/bin/plugin-loader)" == "plugin_value=99" ]]
    [[ "$(patchelf --print-interpreter $out/bin/prog)" == "$(< "$NIX_BINTOOLS/nix-support/dynamic-linker")" ]]
    [[ "$(patchelf --print-interpreter $debug/lib/debug/needs-missing)" == /lib/ld-elsewhere.so.1 ]]
    runHook postInstallCheck
  '';
}
