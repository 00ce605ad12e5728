#!/usr/bin/env bash
# Put `armgo` on PATH: a symlink in BIN_DIR (default /usr/local/bin) to this checkout's built CLI,
# so a rebuild is picked up without installing again. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir=${1:-/usr/local/bin}
cli="$PWD/dist/src/cli/main.js"
[ -x "$cli" ] || { printf '[install-cli] error: %s is missing or not executable: run npm run build\n' "$cli" >&2; exit 1; }
mkdir -p "$bin_dir"
ln -sfn "$cli" "$bin_dir/armgo"
printf '[install-cli] %s -> %s\n' "$bin_dir/armgo" "$cli"
