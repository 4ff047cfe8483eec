#!/usr/bin/env bash
# Bring up the real services the integration tests need and write their coordinates to ENV_FILE.
#
#   bash scripts/test-services.sh .test-services/env
#   set -a; source .test-services/env; set +a
#
# Why a script and not fixtures: the services (dockerd, registry, PostgreSQL, a Secret Service
# keyring, sshd, a local base image) outlive one pytest run, so a second `make test` finds them
# up and this script returns in a few seconds. State (configs, data, generated passwords and
# keys, logs) lives in the directory holding ENV_FILE (or PIXEL_TEST_STATE_DIR).
#
# As root with apt-get (a fresh Debian 12 machine, CI) missing packages are installed first.
# Elsewhere (a laptop with Docker Desktop) what is there is used and the rest is left out.
# CI=true: any service that does not come up fails the script (exit 1); otherwise it warns
# and leaves that service's variables out of ENV_FILE, so its tests skip.
#
# ENV_FILE gets: PIXEL_TEST_REDIS_URL (redis://:pw@127.0.0.1:PORT/0), PIXEL_TEST_DOCKER_HOST, PIXEL_BASE_IMAGE, PIXEL_TEST_REGISTRY (127.0.0.1:PORT),
# PIXEL_TEST_REGISTRY_USER/_PASSWORD, PIXEL_TEST_PG_URL (postgresql+psycopg://, role may
# CREATE DATABASE), DBUS_SESSION_BUS_ADDRESS (unlocked gnome-keyring), PIXEL_TEST_SSH_HOST/
# _PORT/_USER/_KEY/_KNOWN_HOSTS, and for ssh:// clients PIXEL_TEST_SSH_CONFIG (ssh -F),
# PIXEL_TEST_SSH_HOME (HOME whose .ssh/ serves docker-py's paramiko transport) and
# PIXEL_TEST_SSH_BIN (put first on PATH: an `ssh` wrapper for the docker CLI and
# docker-py use_ssh_client=True), then PIXEL_TEST_SERVICES=1.
# Knobs: PIXEL_TEST_STATE_DIR, PIXEL_TEST_SSH_PORT (2222), PIXEL_BASE_IMAGE_TAG,
# PIXEL_TEST_SERVICES_SKIP ("postgres sshd ..."), VENV (.venv), DOCKER_HOST.
set -uo pipefail

usage() {
  echo "Usage: $(basename "$0") ENV_FILE   (e.g. .test-services/env)" >&2
  echo "Starts the test services and writes their KEY=value settings to ENV_FILE." >&2
}
if [ $# -ne 1 ] || [ "${1:0:1}" = "-" ]; then usage; exit 2; fi

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_FILE="$1"
mkdir -p "$(dirname "$ENV_FILE")"
ENV_FILE="$(cd "$(dirname "$ENV_FILE")" && pwd)/$(basename "$ENV_FILE")"
STATE="${PIXEL_TEST_STATE_DIR:-$(dirname "$ENV_FILE")}"
mkdir -p "$STATE" && chmod 700 "$STATE"
STATE="$(cd "$STATE" && pwd)"
VENV="${VENV:-$REPO/.venv}"
PY="$VENV/bin/python"
BASE_IMAGE="${PIXEL_BASE_IMAGE_TAG:-pixel-local/python:3.11-bookworm}"
SSH_PORT="${PIXEL_TEST_SSH_PORT:-2222}"
IS_ROOT=0; [ "$(id -u)" = 0 ] && IS_ROOT=1
IS_CI=0; case "${CI:-}" in true|TRUE|True|1|yes) IS_CI=1 ;; esac
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# One run at a time per state dir (several `make test` may start together). Daemons are
# started with fd 9 closed: an inherited descriptor would hold the lock forever.
if command -v flock >/dev/null; then
  exec 9>"$STATE/.lock"
  flock -w 900 9 || { echo "test-services: another run holds $STATE/.lock for 15 min; giving up." >&2; exit 1; }
fi

# ----------------------------------------------------------------------------------------------
declare -a STATUS_ROWS=() FAILED=() ENV_LINES=()
note() { echo "test-services: $*" >&2; }
ok() { STATUS_ROWS+=("$(printf '%-15s %-5s %s' "$1" up "$2")"); }
bad() {
  STATUS_ROWS+=("$(printf '%-15s %-5s %s' "$1" DOWN "$2")")
  FAILED+=("$1: $2")
  note "WARNING: $1 unavailable: $2"
}
# KEY=value with the value single-quoted, so `set -a; source` reads it back verbatim.
put() { local v=${2//\'/\'\\\'\'}; ENV_LINES+=("$1='$v'"); }
tmo() { if command -v timeout >/dev/null; then timeout "$@"; else shift; "$@"; fi; }
alive() { # PID runs (a zombie whose parent never reaps it does not count)
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ ! -r "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
secret() { # a random alphanumeric secret kept in FILE (mode 600), created once per state dir
  local f="$1"
  if [ ! -s "$f" ]; then
    (umask 077; LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 >"$f")
  fi
  chmod 600 "$f"; cat "$f"
}
free_port() { # first free TCP port on 127.0.0.1 from $1 upwards
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); done
  echo "$p"
}
stop_stale() { # stop daemons an earlier run (maybe of a since-deleted state dir) started with
  # exactly this config path, so a fresh start does not find its port taken
  local pids; pids="$(pgrep -f -- "$1" 2>/dev/null || true)"
  [ -n "$pids" ] && kill $pids 2>/dev/null && sleep 0.5
  return 0
}
wait_for() { # SECONDS CMD...: retry CMD every 0.3 s until it succeeds
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.3
  done
}
detach() { # LOG CMD...: start CMD in its own session so it outlives this script
  local log="$1"; shift
  if command -v setsid >/dev/null; then setsid "$@" >>"$log" 2>&1 </dev/null 9>&- &
  else nohup "$@" >>"$log" 2>&1 </dev/null 9>&- & fi
  echo $!
}

# ---------------------------------------------------------------------------- packages (apt)
# package -> a file that proves it is installed (dpkg-query is the source of truth).
PACKAGES=(docker.io docker-registry apache2-utils postgresql redis-server gnome-keyring dbus openssh-server
  openssh-client nginx docker-compose debootstrap wrk curl ca-certificates
  libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
  xvfb xauth desktop-file-utils libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0
  libxcb-render-util0 libxkbcommon-x11-0)
install_packages() {
  [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null && command -v dpkg-query >/dev/null || return 0
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  note "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq -o Dpkg::Options::=--force-confold "${missing[@]}"; } \
      >"$STATE/apt.log" 2>&1; then
    tail -n 15 "$STATE/apt.log" >&2
    note "WARNING: apt-get install failed (log: $STATE/apt.log); services needing it will be reported below."
  fi
}

# ---------------------------------------------------------------------------- Docker engine
DOCKER_URL=""
DOCKER_OURS=0  # 1 when this script (now or in an earlier run on this state dir) started dockerd
docker_answers() { tmo 10 docker -H "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
start_docker() {
  if ! command -v docker >/dev/null; then bad docker "the docker CLI is not installed"; return; fi
  if [ -n "${DOCKER_HOST:-}" ]; then
    DOCKER_URL="$DOCKER_HOST"
  elif [ -S /var/run/docker.sock ] || command -v dockerd >/dev/null; then
    DOCKER_URL="unix:///var/run/docker.sock"
  else # Docker Desktop and friends: the current CLI context
    DOCKER_URL="$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null || true)"
  fi
  if [ -z "$DOCKER_URL" ]; then bad docker "no Docker daemon found (set DOCKER_HOST)"; return; fi
  if [ "$DOCKER_URL" = "unix:///var/run/docker.sock" ] && alive "$(cat "$STATE/dockerd.pid" 2>/dev/null)" \
      && [ "$(cat /var/run/docker.pid 2>/dev/null)" = "$(cat "$STATE/dockerd.pid")" ]; then
    DOCKER_OURS=1
  fi
  if ! docker_answers "$DOCKER_URL"; then
    if [ "$DOCKER_URL" = "unix:///var/run/docker.sock" ] && [ "$IS_ROOT" = 1 ] && command -v dockerd >/dev/null; then
      # A SIGKILLed dockerd leaves its pid file behind, and dockerd refuses to start while the
      # pid in it still exists, even as an unreaped zombie.
      if [ -f /var/run/docker.pid ] && ! alive "$(cat /var/run/docker.pid 2>/dev/null)"; then
        rm -f /var/run/docker.pid
      fi
      note "starting dockerd (log: $STATE/dockerd.log)"
      detach "$STATE/dockerd.log" dockerd >"$STATE/dockerd.pid"
      DOCKER_OURS=1
      if ! wait_for 60 docker_answers "$DOCKER_URL"; then
        tail -n 10 "$STATE/dockerd.log" >&2
        bad docker "dockerd did not answer on $DOCKER_URL within 60 s (log: $STATE/dockerd.log)"
        DOCKER_URL=""; return
      fi
    else
      bad docker "the daemon at $DOCKER_URL does not answer; start Docker and retry"
      DOCKER_URL=""; return
    fi
  fi
  export DOCKER_HOST="$DOCKER_URL"
  ok docker "$DOCKER_URL ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
  put PIXEL_TEST_DOCKER_HOST "$DOCKER_URL"
}

# ---------------------------------------------------------------------------- Swarm
# The Swarm deploy tests need a manager. Only a daemon this script started is made one: turning
# someone's own daemon (Docker Desktop, a shared host) into a Swarm manager changes how their
# containers and networks behave, so there it is reported instead (a skip locally, a failure
# under CI=true) with the command to run by hand.
swarm_state() { tmo 10 docker -H "$DOCKER_URL" info --format '{{.Swarm.LocalNodeState}}/{{.Swarm.ControlAvailable}}' 2>/dev/null; }
start_swarm() {
  if [ -z "$DOCKER_URL" ]; then bad swarm "needs the Docker daemon"; return; fi
  local state; state="$(swarm_state)"
  if [ "$state" != "active/true" ]; then
    if [ "$DOCKER_OURS" != 1 ]; then
      bad swarm "the daemon at $DOCKER_URL is not a Swarm manager ($state) and this script did not start it, so it leaves it alone; run \`docker swarm init --advertise-addr 127.0.0.1\` there yourself"
      return
    fi
    if [ "${state%%/*}" = active ] || [ "${state%%/*}" = pending ]; then  # a worker of some other swarm
      tmo 30 docker -H "$DOCKER_URL" swarm leave --force >"$STATE/swarm.log" 2>&1
    fi
    if ! tmo 60 docker -H "$DOCKER_URL" swarm init --advertise-addr 127.0.0.1 >>"$STATE/swarm.log" 2>&1; then
      bad swarm "docker swarm init failed (log: $STATE/swarm.log)"; return
    fi
    swarm_manager() { [ "$(swarm_state)" = "active/true" ]; }
    wait_for 30 swarm_manager || { bad swarm "the node did not become a manager (log: $STATE/swarm.log)"; return; }
    note "initialised a single-node Swarm on $DOCKER_URL"
  fi
  ok swarm "manager on $DOCKER_URL"
  put PIXEL_TEST_SWARM 1
}

# ---------------------------------------------------------------------------- base image
make_base_image() {
  if [ -z "$DOCKER_URL" ]; then bad base-image "needs the Docker daemon"; return; fi
  if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    local t0; t0=$(date +%s)
    if ! bash "$REPO/scripts/make-local-base-image.sh" "$BASE_IMAGE" >&2; then
      bad base-image "scripts/make-local-base-image.sh $BASE_IMAGE failed"; return
    fi
    note "base image built in $(( $(date +%s) - t0 ))s"
  fi
  ok base-image "$BASE_IMAGE"
  put PIXEL_BASE_IMAGE "$BASE_IMAGE"
}

# ---------------------------------------------------------------------------- registry
start_registry() {
  local dir="$STATE/registry" user=pixel pw port
  mkdir -p "$dir/data"
  if ! command -v docker-registry >/dev/null || ! command -v htpasswd >/dev/null; then
    bad registry "needs Debian docker-registry and apache2-utils (htpasswd)"; return
  fi
  pw="$(secret "$dir/password")"
  if [ -s "$dir/port" ]; then port="$(cat "$dir/port")"
  else
    stop_stale "docker-registry serve $dir/config.yml"
    port="$(free_port 5055)"; echo "$port" >"$dir/port"
  fi
  local url="http://127.0.0.1:$port/v2/"
  registry_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' -u "$user:$pw" "$url")" = 200 ]; }
  if ! registry_ok; then
    stop_stale "docker-registry serve $dir/config.yml"
    if port_busy "$port"; then  # someone else took the port: move to a free one
      port="$(free_port $((port + 1)))"; echo "$port" >"$dir/port"; url="http://127.0.0.1:$port/v2/"
    fi
    htpasswd -B -b -c "$dir/htpasswd" "$user" "$pw" >/dev/null 2>&1
    chmod 600 "$dir/htpasswd"
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: $(secret "$dir/http-secret")
auth:
  htpasswd:
    realm: pixel-test-registry
    path: $dir/htpasswd
EOF
    chmod 600 "$dir/config.yml"
    detach "$dir/registry.log" docker-registry serve "$dir/config.yml" >"$dir/registry.pid"
    if ! wait_for 20 registry_ok; then
      bad registry "docker-registry did not answer on 127.0.0.1:$port (log: $dir/registry.log)"; return
    fi
  fi
  ok registry "127.0.0.1:$port (htpasswd user $user)"
  put PIXEL_TEST_REGISTRY "127.0.0.1:$port"
  put PIXEL_TEST_REGISTRY_USER "$user"
  put PIXEL_TEST_REGISTRY_PASSWORD "$pw"
}

# ---------------------------------------------------------------------------- Redis (team mode)
# Debian's redis-server on 127.0.0.1 with its own data dir under the state dir and an
# append-only file fsynced on every write: a restart loses no queued build.
start_redis() {
  local dir="$STATE/redis" pw port
  mkdir -p "$dir/data" && chmod 700 "$dir"
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    bad redis "needs Debian redis-server (redis-server, redis-cli)"; return
  fi
  pw="$(secret "$dir/password")"
  if [ -s "$dir/port" ]; then port="$(cat "$dir/port")"
  else
    stop_stale "redis-server $dir/redis.conf"
    port="$(free_port 6390)"; echo "$port" >"$dir/port"
  fi
  redis_ok() { [ "$(REDISCLI_AUTH="$pw" tmo 5 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; }
  if ! redis_ok; then
    stop_stale "$dir/redis.conf"
    if port_busy "$port"; then
      port="$(free_port $((port + 1)))"; echo "$port" >"$dir/port"
    fi
    cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
protected-mode yes
requirepass $pw
dir $dir/data
appendonly yes
appendfsync always
save ""
daemonize no
CONF
    chmod 600 "$dir/redis.conf"
    detach "$dir/redis.log" redis-server "$dir/redis.conf" >"$dir/redis.pid"
    if ! wait_for 20 redis_ok; then
      bad redis "redis-server did not answer on 127.0.0.1:$port (log: $dir/redis.log)"; return
    fi
  fi
  ok redis "127.0.0.1:$port (append-only, password)"
  put PIXEL_TEST_REDIS_URL "redis://:$pw@127.0.0.1:$port/0"
}

# ---------------------------------------------------------------------------- PostgreSQL
start_postgres() {
  local dir="$STATE/postgres" user=pixel_test db=pixel_test pw ver port status line
  mkdir -p "$dir"
  if ! command -v pg_lsclusters >/dev/null || ! command -v psql >/dev/null; then
    bad postgres "needs Debian postgresql (pg_ctlcluster) - or set PIXEL_TEST_PG_URL yourself"; return
  fi
  if [ "$IS_ROOT" != 1 ]; then bad postgres "managing the Debian cluster needs root"; return; fi
  pw="$(secret "$dir/password")"
  ver="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)"
  [ -n "$ver" ] || { bad postgres "no PostgreSQL server under /usr/lib/postgresql"; return; }
  line="$(pg_lsclusters -h 2>/dev/null | awk -v v="$ver" '$1 == v {print; exit}')"
  if [ -z "$line" ]; then
    note "creating PostgreSQL $ver cluster 'main'"
    pg_createcluster "$ver" main >"$dir/createcluster.log" 2>&1 || { bad postgres "pg_createcluster $ver main failed (log: $dir/createcluster.log)"; return; }
    line="$(pg_lsclusters -h | awk -v v="$ver" '$1 == v {print; exit}')"
  fi
  local cluster; cluster="$(echo "$line" | awk '{print $2}')"
  port="$(echo "$line" | awk '{print $3}')"; status="$(echo "$line" | awk '{print $4}')"
  pg_ok() { PGPASSWORD="$pw" PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p "$port" -U "$user" -d "$db" -Atc 'select 1' 2>/dev/null | grep -qx 1; }
  if ! pg_ok; then
    if [ "$status" != online ]; then
      pg_ctlcluster "$ver" "$cluster" start >"$dir/start.log" 2>&1 9>&- \
        || { bad postgres "pg_ctlcluster $ver $cluster start failed (log: $dir/start.log)"; return; }
    fi
    local su=(runuser -u postgres --); command -v runuser >/dev/null || su=(su postgres -s /bin/sh -c)
    wait_for 30 "${su[@]}" psql -p "$port" -Atc 'select 1' || { bad postgres "cluster $ver/$cluster does not accept connections"; return; }
    # Idempotent: create role and database when missing, (re)set the generated password.
    "${su[@]}" psql -p "$port" -v ON_ERROR_STOP=1 -q >"$dir/setup.log" 2>&1 <<SQL || { bad postgres "role/database setup failed (log: $dir/setup.log)"; return; }
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN CREATE ROLE $user; END IF;
END \$\$;
ALTER ROLE $user WITH LOGIN CREATEDB PASSWORD '$pw';
SELECT 'CREATE DATABASE $db OWNER $user' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')\gexec
SQL
    pg_ok || { bad postgres "cannot log in as $user over 127.0.0.1:$port (check pg_hba.conf allows scram/md5 from 127.0.0.1)"; return; }
  fi
  ok postgres "127.0.0.1:$port/$db (PostgreSQL $ver, role $user CREATEDB)"
  put PIXEL_TEST_PG_URL "postgresql+psycopg://$user:$pw@127.0.0.1:$port/$db"
}

# ---------------------------------------------------------------------------- keyring
BUS_ADDR=""
keyring_probe() { # the venv's keyring must resolve to SecretService and round-trip a secret
  DBUS_SESSION_BUS_ADDRESS="$1" tmo 20 "$PY" - <<'PYEOF'
import secrets, sys
import keyring
from keyring.backends import SecretService
kr = keyring.get_keyring()
backends = getattr(kr, "backends", [kr])
if not any(isinstance(b, SecretService.Keyring) for b in backends):
    sys.exit(f"keyring backend is {kr!r}, not SecretService")
token = secrets.token_hex(8)
keyring.set_password("pixel-test-services-probe", "probe", token)
assert keyring.get_password("pixel-test-services-probe", "probe") == token
keyring.delete_password("pixel-test-services-probe", "probe")
PYEOF
}
start_keyring() {
  local dir="$STATE/keyring" pw addr pid
  mkdir -p "$dir/data" "$dir/runtime" && chmod 700 "$dir" "$dir/runtime"
  if ! command -v dbus-daemon >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
    bad keyring "needs dbus and gnome-keyring (Linux only)"; return
  fi
  [ -x "$PY" ] || { bad keyring "no virtualenv at $VENV (run make install)"; return; }
  pw="$(secret "$dir/password")"
  addr="$(cat "$dir/bus.address" 2>/dev/null || true)"; pid="$(cat "$dir/bus.pid" 2>/dev/null || true)"
  if alive "$pid" && [ -n "$addr" ] && keyring_probe "$addr" 2>/dev/null; then
    BUS_ADDR="$addr"
  else
    if ! alive "$pid" || [ -z "$addr" ]; then
      stop_stale "dbus-daemon --session --fork --print-address=1 --print-pid=1 --address=unix:path=$dir/runtime/bus"
      local out; out="$(dbus-daemon --session --fork --print-address=1 --print-pid=1 \
        --address="unix:path=$dir/runtime/bus" 2>"$dir/dbus.log" 9>&-)" \
        || { bad keyring "dbus-daemon failed to start (log: $dir/dbus.log)"; return; }
      addr="$(echo "$out" | sed -n 1p)"; pid="$(echo "$out" | sed -n 2p)"
      echo "$addr" >"$dir/bus.address"; echo "$pid" >"$dir/bus.pid"
    fi
    # --replace takes over from a locked or stale daemon on this bus; the keyring files live
    # in the state dir so the generated password always matches the stored "login" keyring.
    echo -n "$pw" | env DBUS_SESSION_BUS_ADDRESS="$addr" XDG_DATA_HOME="$dir/data" \
      XDG_RUNTIME_DIR="$dir/runtime" HOME="$dir" \
      gnome-keyring-daemon --replace --unlock --components=secrets >"$dir/gnome-keyring.env" 2>"$dir/gnome-keyring.log" 9>&-
    if ! wait_for 15 keyring_probe "$addr"; then
      local why; why="$(keyring_probe "$addr" 2>&1 | tail -n 1)"
      bad keyring "Secret Service probe failed: ${why:-unknown} (logs: $dir)"; return
    fi
    BUS_ADDR="$addr"
  fi
  ok keyring "gnome-keyring Secret Service on $BUS_ADDR"
  put DBUS_SESSION_BUS_ADDRESS "$BUS_ADDR"
}

# ---------------------------------------------------------------------------- sshd
start_sshd() {
  local dir="$STATE/ssh" user; user="$(id -un)"
  mkdir -p "$dir/home/.ssh" && chmod 700 "$dir" "$dir/home" "$dir/home/.ssh"
  local sshd_bin; sshd_bin="$(command -v sshd || true)"
  if [ -z "$sshd_bin" ] || ! command -v ssh >/dev/null || ! command -v ssh-keygen >/dev/null; then
    bad sshd "needs openssh-server and openssh-client"; return
  fi
  [ -s "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C pixel-test-host -f "$dir/ssh_host_ed25519_key"
  [ -s "$dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C pixel-test-client -f "$dir/client_ed25519"
  cp "$dir/client_ed25519.pub" "$dir/authorized_keys"; chmod 600 "$dir/authorized_keys" "$dir/client_ed25519"
  echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >"$dir/known_hosts"
  cat >"$dir/ssh_config" <<EOF
# OpenSSH client settings for the test sshd: ssh -F $dir/ssh_config pixel-test-sshd
Host pixel-test-sshd 127.0.0.1
  HostName 127.0.0.1
  Port $SSH_PORT
  User $user
  IdentityFile $dir/client_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
EOF
  # A ready-made HOME for tools that only read ~/.ssh (docker-py's paramiko transport reads
  # ~/.ssh/config and ~/.ssh/known_hosts; `ssh` reads ~/.ssh/config): HOME=$dir/home.
  cp "$dir/ssh_config" "$dir/home/.ssh/config"; cp "$dir/known_hosts" "$dir/home/.ssh/known_hosts"
  cp "$dir/client_ed25519" "$dir/home/.ssh/id_ed25519"; cp "$dir/client_ed25519.pub" "$dir/home/.ssh/id_ed25519.pub"
  sed -i.bak "s|IdentityFile .*|IdentityFile $dir/home/.ssh/id_ed25519|; s|UserKnownHostsFile .*|UserKnownHostsFile $dir/home/.ssh/known_hosts|" "$dir/home/.ssh/config"
  rm -f "$dir/home/.ssh/config.bak"; chmod 600 "$dir/home/.ssh/"*
  # OpenSSH ignores $HOME (it reads the passwd home), so tools that spawn `ssh` (docker CLI,
  # docker-py use_ssh_client=True) get this wrapper first on PATH=$dir/bin:$PATH instead.
  mkdir -p "$dir/bin"
  printf '#!/bin/sh\n# ssh with the test sshd settings (written by scripts/test-services.sh)\nexec %s -F %s "$@"\n' \
    "$(command -v ssh)" "$dir/ssh_config" >"$dir/bin/ssh"
  chmod 755 "$dir/bin/ssh"
  cat >"$dir/sshd_config" <<EOF
# Test-only sshd: 127.0.0.1, key login only, everything under $dir.
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers $user
X11Forwarding no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
# \`docker system dial-stdio\` runs in the session: the docker CLI must be on this PATH.
SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
Subsystem sftp internal-sftp
EOF
  ssh_ok() {
    tmo 15 ssh -F "$dir/ssh_config" pixel-test-sshd 'command -v docker' >/dev/null 2>&1
  }
  if ! ssh_ok; then
    stop_stale "sshd -f $dir/sshd_config"
    if port_busy "$SSH_PORT"; then
      bad sshd "port $SSH_PORT on 127.0.0.1 is taken by another program (set PIXEL_TEST_SSH_PORT)"; return
    fi
    [ "$IS_ROOT" = 1 ] && mkdir -p /run/sshd && chmod 755 /run/sshd
    if ! "$sshd_bin" -t -f "$dir/sshd_config" 2>"$dir/sshd.log"; then
      bad sshd "sshd rejects its config: $(tail -n 1 "$dir/sshd.log")"; return
    fi
    "$sshd_bin" -f "$dir/sshd_config" -E "$dir/sshd.log" 9>&- \
      || { bad sshd "sshd failed to start (log: $dir/sshd.log)"; return; }
    if ! wait_for 15 ssh_ok; then
      kill "$(cat "$dir/sshd.pid" 2>/dev/null)" 2>/dev/null  # do not leave a useless sshd behind
      bad sshd "cannot log in to 127.0.0.1:$SSH_PORT with the key, or docker is not on the session PATH (log: $dir/sshd.log)"
      return
    fi
  fi
  ok sshd "$user@127.0.0.1:$SSH_PORT (key $dir/client_ed25519)"
  put PIXEL_TEST_SSH_HOST 127.0.0.1
  put PIXEL_TEST_SSH_PORT "$SSH_PORT"
  put PIXEL_TEST_SSH_USER "$user"
  put PIXEL_TEST_SSH_KEY "$dir/client_ed25519"
  put PIXEL_TEST_SSH_KNOWN_HOSTS "$dir/known_hosts"
  put PIXEL_TEST_SSH_CONFIG "$dir/ssh_config"
  put PIXEL_TEST_SSH_HOME "$dir/home"
  put PIXEL_TEST_SSH_BIN "$dir/bin"
}

# ---------------------------------------------------------------------------- tools
check_tools() {
  if [ -x "$VENV/bin/hadolint" ] && "$VENV/bin/hadolint" --version >/dev/null 2>&1; then
    ok hadolint "$VENV/bin/hadolint"
  else bad hadolint "not in $VENV/bin (pip install -e '.[dev]')"; fi
  if command -v nginx >/dev/null; then ok nginx "$(command -v nginx)"; else bad nginx "not installed (Debian nginx)"; fi
  if command -v docker-compose >/dev/null; then ok docker-compose "$(command -v docker-compose)"
  else bad docker-compose "not installed (Debian docker-compose)"; fi
}

# ----------------------------------------------------------------------------------------------
# PIXEL_TEST_SERVICES_SKIP="postgres sshd" leaves services out on purpose (e.g. a laptop
# without them); under CI=true that still fails the run.
run() {
  case " ${PIXEL_TEST_SERVICES_SKIP:-} " in
    *" $1 "*) bad "$1" "left out by PIXEL_TEST_SERVICES_SKIP" ;;
    *) "$2" ;;
  esac
}
install_packages
run docker start_docker
run registry start_registry
run postgres start_postgres
run redis start_redis
run keyring start_keyring
run sshd start_sshd
run swarm start_swarm
run base-image make_base_image
check_tools

{
  echo "# Written by scripts/test-services.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); load with: set -a; source THIS; set +a"
  [ ${#ENV_LINES[@]} -gt 0 ] && printf '%s\n' "${ENV_LINES[@]}"
  echo "PIXEL_TEST_SERVICES='1'"
} >"$ENV_FILE.tmp" && chmod 600 "$ENV_FILE.tmp" && mv "$ENV_FILE.tmp" "$ENV_FILE"

echo "Test services (state: $STATE, env: $ENV_FILE)" >&2
printf '  %s\n' "${STATUS_ROWS[@]}" >&2
if [ ${#FAILED[@]} -gt 0 ]; then
  if [ "$IS_CI" = 1 ]; then
    note "FAILED under CI=true - these services must be up:"
    printf '  - %s\n' "${FAILED[@]}" >&2
    exit 1
  fi
  note "${#FAILED[@]} service(s) unavailable; their tests will skip locally (under CI=true they fail)."
fi
exit 0
