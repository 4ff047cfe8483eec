#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle (dist/pixel-desktop/: `pixel-desktop` + `pixel`)
# and, on Linux, the installable tarball dist/pixel-desktop-VERSION-linux-ARCH.tar.gz.
#
#   bash packaging/build.sh [VENV]        (what `make package` runs; VENV defaults to .venv)
#
# Why a script and not just `pyinstaller spec`: it refuses to ship a bundle that cannot start
# (smoke-runs both executables' cheapest paths), prints the size the README quotes, and
# records an inputs fingerprint so the bundle test knows when dist/ is stale.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${1:-.venv}"
PY="$VENV/bin/python"
[[ -x "$PY" ]] || PY="$VENV/Scripts/python.exe"  # Windows venv layout (Git Bash)
DIST="$ROOT/dist"
WORK="$ROOT/build/pyinstaller"
BUNDLE="$DIST/pixel-desktop"

die() { echo "packaging: $*" >&2; exit 1; }

[[ -x "$PY" ]] || die "no Python in $VENV; run \`make install\` first."
"$PY" -c "import PyInstaller" 2>/dev/null \
  || die "PyInstaller is not installed in $VENV; run \`$VENV/bin/pip install -e '.[dev]'\`."

VERSION="$("$PY" -c 'import re,sys; print(re.search(r"^__version__\s*=\s*\"([^\"]+)\"", open("pixel_desktop/__init__.py").read(), re.M).group(1))')"
INPUTS="$("$PY" packaging/inputs_hash.py)"

mkdir -p "$DIST"
# One build at a time per tree (`make package` and the bundle test may overlap); the test
# holds this lock itself and tells us so.
if [[ -z "${PIXEL_PACKAGING_LOCK_HELD:-}" ]] && command -v flock >/dev/null 2>&1; then
  exec 9>"$DIST/.build.lock"
  flock 9
fi

echo "packaging: building pixel-desktop $VERSION with $("$PY" -m PyInstaller --version) (takes ~1-2 min)"
rm -f "$DIST/pixel-desktop.inputs"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/pixel-desktop.spec
echo "packaging: PyInstaller finished in $(( $(date +%s) - start )) s"

exe=""
case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) exe=".exe" ;; esac
[[ -x "$BUNDLE/pixel$exe" && -x "$BUNDLE/pixel-desktop$exe" ]] \
  || die "the bundle lacks an executable; see the PyInstaller output above."

# Smoke check: the frozen CLI starts and reports the version being packaged.
got="$("$BUNDLE/pixel$exe" --version)" || die "the frozen \`pixel --version\` failed."
[[ "$got" == "pixel $VERSION" ]] || die "the frozen pixel says '$got', expected 'pixel $VERSION'."

size_h="$(du -sh "$BUNDLE" | cut -f1)"
size_b="$(du -sb "$BUNDLE" 2>/dev/null | cut -f1 || true)"
echo "packaging: bundle $BUNDLE is $size_h${size_b:+ ($size_b bytes)}"

if [[ "$(uname -s)" == "Linux" ]]; then
  arch="$(uname -m)"
  name="pixel-desktop-$VERSION-linux-$arch"
  stage="$DIST/.stage"
  rm -rf "$stage" && mkdir -p "$stage/$name"
  # Hard links: no 300 MB copy just to give the tarball a top-level folder.
  cp -al "$BUNDLE" "$stage/$name/pixel-desktop" 2>/dev/null || cp -a "$BUNDLE" "$stage/$name/pixel-desktop"
  install -m 0755 packaging/install.sh "$stage/$name/install.sh"
  tarball="$DIST/$name.tar.gz"
  rm -f "$tarball"
  tar -C "$stage" --owner=0 --group=0 --numeric-owner --sort=name -cf - "$name" \
    | gzip -6 > "$tarball.part"
  mv "$tarball.part" "$tarball"
  rm -rf "$stage"
  echo "packaging: tarball $tarball is $(du -sh "$tarball" | cut -f1)"
  echo "packaging: install with: tar -xzf $(basename "$tarball") && ./$name/install.sh"
else
  echo "packaging: not on Linux, so no tarball; the bundle is $BUNDLE (see docs/packaging.md)."
fi

echo "$INPUTS" > "$DIST/pixel-desktop.inputs"
