#!/usr/bin/env bash
# Type-checks the TypeScript deploy tooling (migrations/*.ts, Anchor's migrate script) with the
# pinned toolchain in package-lock.json. Installs node_modules with `npm ci` when it is missing
# or older than the lock file; exits non-zero on any type error.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v npm >/dev/null || { echo "npm is required (Node.js 20)"; exit 1; }

# node_modules/.package-lock.json is written by npm at the end of every install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci =="
  npm ci --no-audit --no-fund
fi

echo "== tsc --noEmit =="
npx --no-install tsc --noEmit -p .
echo "typecheck ok"
