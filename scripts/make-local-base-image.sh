#!/usr/bin/env bash
# Build a local Python 3.11 base image from Debian packages (debootstrap + `docker import`).
#
# Why: no image registry is reachable from the development and CI machines, so `docker pull
# python:3.12-slim` never works there. This image stands in for it in tests and offline Linux
# use: select it with PIXEL_BASE_IMAGE=<tag>. The image is cached by tag: when the tag exists
# the script does nothing.
#
# Like the official python images it has `python` -> python3, pip usable without
# --break-system-packages (the Debian EXTERNALLY-MANAGED marker is removed), CMD python3.
set -euo pipefail

DEFAULT_TAG="pixel-local/python:3.11-bookworm"
SUITE="${PIXEL_BASE_SUITE:-bookworm}"

usage() {
  cat <<EOF
Usage: $(basename "$0") [TAG]

Creates a minimal Debian ${SUITE} image with python3, python3-venv, python3-pip and
ca-certificates, imported into the local Docker daemon as TAG
(default: ${DEFAULT_TAG}). Nothing is done when TAG already exists.

Needs: root (debootstrap), debootstrap, a reachable Debian mirror, a running Docker daemon.
Environment: DEBIAN_MIRROR (default: first Debian mirror in /etc/apt/sources*, else
http://deb.debian.org/debian), DOCKER_HOST (daemon to import into).
Then use it with: export PIXEL_BASE_IMAGE=TAG
EOF
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then usage >&2; exit 2; fi
TAG="${1:-$DEFAULT_TAG}"

die() { echo "make-local-base-image: $*" >&2; exit 1; }

command -v docker >/dev/null || die "the docker CLI is not installed (Debian: apt-get install docker.io)."
docker version >/dev/null 2>&1 || die "the Docker daemon does not answer (${DOCKER_HOST:-default socket}); start it and retry."

if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "Base image $TAG already exists; nothing to do."
  exit 0
fi

[ "$(id -u)" = 0 ] || die "debootstrap needs root; run it as root (sudo $0 $TAG)."
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)."

# A Debian mirror from the host's apt sources (deb822 `URIs:` or one-line `deb URL suite`),
# skipping the security archive, which has no full suite.
find_mirror() {
  local f line
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    while read -r line; do
      case "$line" in
        URIs:*) line="${line#URIs:}" ;;
        deb\ *) line="$(echo "$line" | sed -E 's/^deb +(\[[^]]*\] +)?//')" ;;
        *) continue ;;
      esac
      line="$(echo "$line" | awk '{print $1}')"
      case "$line" in
        *security*) ;;
        http*://*/debian|http*://*/debian/) echo "${line%/}"; return 0 ;;
      esac
    done <"$f"
  done
  echo "http://deb.debian.org/debian"
}
MIRROR="${DEBIAN_MIRROR:-$(find_mirror)}"

ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/pixel-base-rootfs.XXXXXX")"
cleanup() { rm -rf "$ROOTFS"; }
trap cleanup EXIT

echo "Creating $TAG: debootstrap $SUITE from $MIRROR (takes a few minutes)..."
start=$(date +%s)
if ! debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-pip,ca-certificates \
    "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1; then
  tail -n 20 "$ROOTFS.log" >&2
  die "debootstrap failed (full log: $ROOTFS.log). Check that $MIRROR is reachable or set DEBIAN_MIRROR."
fi
rm -f "$ROOTFS.log"

# Make it behave like the official python images.
ln -sf python3 "$ROOTFS/usr/bin/python"
rm -f "$ROOTFS"/usr/lib/python3*/EXTERNALLY-MANAGED
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb

tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV LANG=C.UTF-8' \
  -c 'ENV PYTHONUNBUFFERED=1' \
  -c 'CMD ["python3"]' \
  -m "pixel local base: debootstrap $SUITE minbase + python3" \
  - "$TAG" >/dev/null

docker run --rm "$TAG" python3 -c 'import sys, venv, ensurepip; print(sys.version.split()[0])' >/dev/null \
  || die "the imported image $TAG does not run python3; remove it (docker rmi $TAG) and retry."
echo "Created $TAG in $(( $(date +%s) - start ))s. Use it with: export PIXEL_BASE_IMAGE=$TAG"
