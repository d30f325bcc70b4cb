#!/usr/bin/env bash
# Type-checks the TypeScript tooling with the pinned toolchain in package-lock.json: the deploy
# scripts (migrations/*.ts, Anchor's migrate script) and the client package app/ts-client (its
# sources, generator and tests). Exits non-zero on any type error.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/npm-ci.sh

echo "== tsc --noEmit (migrations) =="
npx --no-install tsc --noEmit -p .
echo "== tsc --noEmit (app/ts-client) =="
npx --no-install tsc --noEmit -p app/ts-client
echo "typecheck ok"
