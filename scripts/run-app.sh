#!/usr/bin/env bash
# Start the desktop app from a virtualenv: `bash scripts/run-app.sh .venv` (what `make run` does).
# Without a display (Linux: no DISPLAY/WAYLAND_DISPLAY, QT_QPA_PLATFORM unset) Qt would abort
# with an xcb plugin error; say what to do instead and exit 1 so scripts notice.
set -euo pipefail
venv="${1:-.venv}"
app="$venv/bin/pixel-desktop"
if [[ ! -x "$app" ]]; then
  echo "run-app: $app not found; install the app first with \`make install\` (or pip install -e . into $venv)." >&2
  exit 1
fi
if [[ "$(uname -s)" == "Linux" && -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  echo "run-app: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open; use the \`$venv/bin/pixel\` command line instead, or render the window headless with QT_QPA_PLATFORM=offscreen $app --screenshot out.png." >&2
  exit 1
fi
exec "$app" "${@:2}"
