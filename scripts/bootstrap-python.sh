#!/usr/bin/env bash
# Create the virtualenv; on a fresh Debian machine (root) install python3-venv first.
set -euo pipefail
PYTHON="${1:-python3}"
VENV="${2:-.venv}"
if [ -x "$VENV/bin/python" ]; then exit 0; fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Pixel needs Python 3.11 or newer; set PYTHON=/path/to/python3.11 (found: $("$PYTHON" --version 2>&1))." >&2
  exit 2
fi
if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
  rm -rf "$VENV"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$PYTHON" -m venv "$VENV"
  else
    echo "Cannot create a virtualenv: install your distribution's python3-venv package and retry." >&2
    exit 2
  fi
fi
