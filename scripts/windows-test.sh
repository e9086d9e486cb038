#!/usr/bin/env bash
# The crate on Windows: the parity suites, cross-compiled for x86_64 Windows (MinGW) and run
# under Wine, so the Windows build (the code of the Windows wheel) is shown to give the
# reference's bytes too; the C library's math differs there (src/ops/exp.rs, fma.rs, portable.rs).
# `--lib` adds the unit tests (left out of the test command for time).
#
# Needs the Rust target x86_64-pc-windows-gnu, MinGW-w64 (gcc-mingw-w64-x86-64) and Wine 8 or
# later (wine64); .ci/run installs them. Skipped, with a message, where one is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
wine=$(command -v wine64 || command -v wine || ls /usr/lib/wine/wine64 2>/dev/null || true)
if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu \
  || ! command -v x86_64-w64-mingw32-gcc >/dev/null || [ -z "$wine" ]; then
  echo "skipped: the Windows tests (rustup target add x86_64-pc-windows-gnu;" \
    "apt-get install gcc-mingw-w64-x86-64 wine64)"
  exit 0
fi

# A private Wine prefix. Rust's standard library draws its random seeds from
# bcryptprimitives.dll's ProcessPrng (Windows 10 and later), which Wine gained only in 9.x: on
# an older Wine a two-line stand-in over RtlGenRandom takes its place.
export WINEPREFIX=$PWD/target/wine-prefix WINEDEBUG=-all
server=$(dirname "$(readlink -f "$wine")")/wineserver
[ -x "$server" ] || server=$(command -v wineserver)
if [ ! -f "$WINEPREFIX/.ready" ]; then
  rm -rf "$WINEPREFIX"
  "$wine" cmd /c exit >/dev/null 2>&1 || true
  system32=$WINEPREFIX/drive_c/windows/system32
  if [ ! -f "$system32/bcryptprimitives.dll" ]; then
    shim=$(mktemp -d)
    cat > "$shim/prng.c" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  for (; length > 0x40000000; data += 0x40000000, length -= 0x40000000)
    if (!SystemFunction036(data, 0x40000000)) return FALSE;
  return SystemFunction036(data, (ULONG)length);
}
C
    x86_64-w64-mingw32-gcc -shared -O2 -o "$system32/bcryptprimitives.dll" "$shim/prng.c" -ladvapi32
    rm -rf "$shim"
  fi
  touch "$WINEPREFIX/.ready"
fi

# One Wine server for all the runs (a run that starts while the last one's server shuts down
# can lose its connection): the one that made the prefix is waited for first.
"$server" -w
"$server" -p
trap '"$server" -k 2>/dev/null || true' EXIT

tests=(parity_imagenet_c parity_imagecorruptions parity_create_c parity_imagenet_p
  parity_mnist_random numpy_rng)
names=("${tests[@]}")
lib=()
if [ "${1:-}" = --lib ]; then
  lib=(--lib)
  names=(blight "${tests[@]}")
fi
# Without debug information: the MinGW linker is the slow part.
CARGO_PROFILE_DEV_DEBUG=0 cargo test --quiet --target x86_64-pc-windows-gnu --no-run \
  ${lib[@]+"${lib[@]}"} ${tests[@]/#/--test } 2> target/wine-build.log \
  || { cat target/wine-build.log; exit 1; }
status=0
for name in "${names[@]}"; do
  exe=$(ls -t target/x86_64-pc-windows-gnu/debug/deps/"$name"-*.exe | head -1)
  echo "== $name under Wine"
  if ! "$wine" "$exe" --quiet > target/wine-test.log 2>&1; then
    status=1
  fi
  grep -v '^$' target/wine-test.log
done
exit $status
