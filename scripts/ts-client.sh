#!/usr/bin/env bash
# Regenerates the TypeScript client's typed part (app/ts-client/src/generated) from idl/keel.json.
#   scripts/ts-client.sh           # write it (run after scripts/idl.sh changed the IDL)
#   scripts/ts-client.sh --check   # CI: fail when the committed files differ from the generator's
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/npm-ci.sh
npx --no-install ts-node --transpile-only app/ts-client/scripts/generate.ts "$@"
