#!/usr/bin/env bash
# Installs node_modules from package-lock.json with `npm ci` when it is missing or older than the
# lock file (the TypeScript tooling: migrations/, the app/ts-client workspace, its tests).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v npm >/dev/null || { echo "npm is required (Node.js 20)"; exit 1; }

# node_modules/.package-lock.json is written by npm at the end of every install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci =="
  npm ci --no-audit --no-fund
fi
