#!/usr/bin/env bash
# The main job on an embedded default: set up this machine, start a 3-host ARM64 lab with its Go
# mirror, converge it with playbooks/site.yaml, and show that a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# setup.sh puts `armgo` on PATH (/usr/local/bin/armgo → dist/src/cli/main.js).
bash scripts/setup.sh

armgo lab up --hosts "${ARMGO_DEMO_HOSTS:-3}" --arch arm64
inv=.armgo/lab/inventory.yaml

echo; echo "== what would change (--check --diff): nothing is touched"
armgo play playbooks/site.yaml -i "$inv" --check --diff

echo; echo "== converge"
armgo play playbooks/site.yaml -i "$inv"

echo; echo "== again: a converged fleet changes nothing"
armgo play playbooks/site.yaml -i "$inv"

echo
echo "The lab is still up: try 'armgo facts -i $inv', or -e go_version=1.23.5."
echo "Stop it with: armgo lab down"
