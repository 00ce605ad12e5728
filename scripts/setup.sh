#!/usr/bin/env bash
# Prepare a Debian 12 machine (as root) for armgo's tests: packages, dockerd, ARM64 emulation,
# npm deps, build, `armgo` on PATH, and the cached lab images + Go mirror. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt, dockerd and binfmt need it)"
command -v node >/dev/null || die "Node.js 20+ is required (node not found)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "Node.js 20+ is required, found $(node --version)"

log "apt packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# ansible-core and openssh-client: the Ansible comparison benchmark drives the same lab hosts;
# ansible-mitogen: the bench's "Ansible with Mitogen" column (strategy mitogen_linear);
# time (GNU /usr/bin/time) and iptables: the bench measures controller memory and bytes sent;
# gcc-aarch64-linux-gnu (with binutils and libc6-dev for arm64) and pkgconf: the controller is the
# cross-build host of the sysroot and cgo-probe tests (readelf is the ELF reader's oracle);
# prometheus for promtool (the metrics file is checked with it); cron for `armgo cron`'s crontab;
# chromium: the report e2e opens `armgo report`'s page in it (headless, driven by playwright-core).
apt-get install -y -q --no-install-recommends \
  docker.io qemu-user-static binfmt-support debootstrap ansible-core ansible-mitogen python3 openssh-client \
  ca-certificates tar gzip xz-utils time iptables \
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross binutils pkgconf \
  prometheus cron chromium

log "docker daemon"
if ! docker version >/dev/null 2>&1; then
  # No systemd on many CI machines: start dockerd detached so it outlives this script.
  setsid nohup dockerd >/var/log/armgo-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 30); do
    docker version >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker version >/dev/null 2>&1; then
    tail -n 20 /var/log/armgo-dockerd.log >&2 || true
    die "dockerd did not answer within 30 s (log above: /var/log/armgo-dockerd.log)"
  fi
fi
docker version --format 'docker server {{.Server.Version}}'

log "ARM64 emulation (binfmt qemu-aarch64)"
B=/proc/sys/fs/binfmt_misc
[ -e "$B/status" ] || mount -t binfmt_misc binfmt_misc "$B"
update-binfmts --enable qemu-aarch64 || true
[ -e "$B/qemu-aarch64" ] || die "qemu-aarch64 is not registered in $B after update-binfmts --enable"
# Debian registers flags PF; setuid (sudo as deploy in arm64 hosts) also needs C (which implies O).
if ! grep -q '^flags: .*C' "$B/qemu-aarch64"; then
  interp=$(sed -n 's/^interpreter //p' "$B/qemu-aarch64")
  offset=$(sed -n 's/^offset //p' "$B/qemu-aarch64")
  magic=$(sed -n 's/^magic //p' "$B/qemu-aarch64" | sed 's/../\\x&/g')
  mask=$(sed -n 's/^mask //p' "$B/qemu-aarch64" | sed 's/../\\x&/g')
  echo -1 >"$B/qemu-aarch64"
  printf '%s' ":qemu-aarch64:M:${offset}:${magic}:${mask}:${interp}:POCF" >"$B/register"
fi
[ "$(head -n 1 "$B/qemu-aarch64")" = enabled ] || die "$B/qemu-aarch64 is not enabled"
grep '^flags:' "$B/qemu-aarch64"

log "npm ci and build"
npm ci --no-audit --no-fund
npm run build

log "armgo on PATH"
bash scripts/install-cli.sh /usr/local/bin

log "lab images and Go mirror (first run: several minutes, then cached)"
node dist/src/lab/build-cli.js
log "ready"
