#!/usr/bin/env bash
# Install Pixel AI Creator Desktop for the current user (no root needed).
#
#   ./install.sh               install or upgrade (safe to run again: it repairs and replaces)
#   ./install.sh --uninstall   remove the app, its launchers, menu entry and icons
#
# What goes where (PREFIX defaults to ~/.local; override with PIXEL_INSTALL_PREFIX):
#   PREFIX/opt/pixel-desktop/                 the bundle (both executables + _internal/)
#   PREFIX/bin/pixel, PREFIX/bin/pixel-desktop   symlinks into the bundle
#   PREFIX/share/applications/pixel-desktop.desktop   menu entry
#   PREFIX/share/icons/hicolor/<size>/apps/pixel-desktop.{png,svg}   icons
# Your projects, builds and settings live in the app's data folder (PIXEL_HOME, by default
# ~/.local/share/pixel-ai-creator) and are never touched by install or uninstall.
set -euo pipefail

APP_ID="pixel-desktop"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX="${PIXEL_INSTALL_PREFIX:-$HOME/.local}"
APP_DIR="$PREFIX/opt/$APP_ID"
BIN_DIR="$PREFIX/bin"
APPS_DIR="$PREFIX/share/applications"
ICON_ROOT="$PREFIX/share/icons/hicolor"
DESKTOP_FILE="$APPS_DIR/$APP_ID.desktop"
EXECUTABLES=(pixel pixel-desktop)

say() { echo "install: $*"; }
die() { echo "install: error: $*" >&2; exit 1; }

refresh_caches() {
  # Menus rescan on their own; these only make the change visible sooner. Best effort.
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$APPS_DIR" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -f "$ICON_ROOT/index.theme" ]]; then
    gtk-update-icon-cache -q -t "$ICON_ROOT" 2>/dev/null || true
  fi
}

# A launcher we may replace or remove: missing, or a symlink into our install folder.
ours() {
  local link="$1"
  [[ ! -e "$link" && ! -L "$link" ]] && return 0
  [[ -L "$link" ]] && [[ "$(readlink "$link")" == "$APP_DIR/"* ]]
}

uninstall() {
  for name in "${EXECUTABLES[@]}"; do
    if [[ -L "$BIN_DIR/$name" ]] && ours "$BIN_DIR/$name"; then
      rm -f "$BIN_DIR/$name"
    fi
  done
  rm -f "$DESKTOP_FILE"
  if [[ -d "$ICON_ROOT" ]]; then
    find "$ICON_ROOT" -path "*/apps/$APP_ID.*" -type f -delete
  fi
  rm -rf "$APP_DIR"
  refresh_caches
  say "removed Pixel AI Creator Desktop from $PREFIX (your data folder was kept)."
}

desktop_exec_value() {
  # Desktop Entry spec: quote the path; inside quotes escape " ` $ and \ with a backslash,
  # then escape every backslash once more because the value is a string.
  local path="$1" q
  q="${path//\\/\\\\}"; q="${q//\"/\\\"}"; q="${q//\`/\\\`}"; q="${q//\$/\\\$}"
  q="\"$q\""
  printf '%s' "${q//\\/\\\\}"
}

install_app() {
  local src="$HERE/$APP_ID"
  local res="$src/_internal/resources"
  for name in "${EXECUTABLES[@]}"; do
    [[ -x "$src/$name" ]] || die "$src/$name is missing; run install.sh from the unpacked tarball."
  done
  [[ -f "$res/$APP_ID.desktop" ]] || die "$res/$APP_ID.desktop is missing; the tarball is incomplete."
  for name in "${EXECUTABLES[@]}"; do
    ours "$BIN_DIR/$name" || die "$BIN_DIR/$name exists and is not a Pixel launcher from a previous install. Move it away (or uninstall the other copy, e.g. \`pip uninstall pixel-ai-creator-desktop\`) and run install.sh again."
  done

  mkdir -p "$PREFIX/opt" "$BIN_DIR" "$APPS_DIR" "$ICON_ROOT"
  # Copy next to the target, then swap: a failed copy never leaves a half-installed app.
  local new="$APP_DIR.new.$$" old="$APP_DIR.old.$$"
  rm -rf "$new"
  cp -a "$src" "$new"
  install -m 0755 "$HERE/install.sh" "$new/install.sh"  # kept for `install.sh --uninstall`
  if [[ -e "$APP_DIR" ]]; then mv "$APP_DIR" "$old"; fi
  mv "$new" "$APP_DIR"
  rm -rf "$old"

  for name in "${EXECUTABLES[@]}"; do
    ln -sfn "$APP_DIR/$name" "$BIN_DIR/$name"
  done

  local exec_value
  exec_value="$(desktop_exec_value "$APP_DIR/pixel-desktop")"
  local tmp="$DESKTOP_FILE.tmp.$$"
  while IFS= read -r line || [[ -n "$line" ]]; do
    case "$line" in
      Exec=*) printf 'Exec=%s\n' "$exec_value" ;;
      TryExec=*) printf 'TryExec=%s\n' "$APP_DIR/pixel-desktop" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < "$res/$APP_ID.desktop" > "$tmp"
  chmod 0644 "$tmp"
  mv "$tmp" "$DESKTOP_FILE"

  local icon dir
  for icon in "$res"/icons/hicolor/*/apps/"$APP_ID".*; do
    dir="$ICON_ROOT/${icon#"$res/icons/hicolor/"}"
    mkdir -p "$(dirname "$dir")"
    install -m 0644 "$icon" "$dir"
  done
  refresh_caches

  say "installed Pixel AI Creator Desktop $("$APP_DIR/pixel" --version | sed 's/^pixel //') into $APP_DIR"
  say "menu entry: $DESKTOP_FILE"
  say "commands:   $BIN_DIR/pixel, $BIN_DIR/pixel-desktop"
  case ":$PATH:" in
    *":$BIN_DIR:"*) ;;
    *) say "note: $BIN_DIR is not on your PATH; add \`export PATH=\"$BIN_DIR:\$PATH\"\` to ~/.profile." ;;
  esac
  say "uninstall:  $APP_DIR/install.sh --uninstall"
}

case "${1:-}" in
  "") install_app ;;
  --uninstall) uninstall ;;
  -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown option '$1' (use --uninstall, or no option to install)." ;;
esac
