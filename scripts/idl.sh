#!/usr/bin/env bash
# Regenerates idl/keel.json with `anchor idl build` (anchor-cli 1.2.2, installed from crates.io
# into ~/.cache/keel/anchor-cli when missing: about 10 minutes on 2 cores, once).
#   scripts/idl.sh           regenerate idl/keel.json
#   scripts/idl.sh --check   fail when idl/keel.json differs from what the program produces
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keel/target}"
ANCHOR_VERSION=1.2.2
ANCHOR_ROOT="${ANCHOR_ROOT:-$HOME/.cache/keel/anchor-cli}"
ANCHOR="$ANCHOR_ROOT/bin/anchor"

if ! "$ANCHOR" --version 2>/dev/null | grep -q "$ANCHOR_VERSION"; then
  echo "installing anchor-cli $ANCHOR_VERSION into $ANCHOR_ROOT (once)"
  cargo install anchor-cli --version "$ANCHOR_VERSION" --locked --root "$ANCHOR_ROOT"
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
(cd programs/keel && "$ANCHOR" idl build -o "$out" >/dev/null)

if [ "${1:-}" = "--check" ]; then
  if ! diff -q "$out" idl/keel.json >/dev/null; then
    echo "idl/keel.json is out of date: run scripts/idl.sh and commit the result"
    diff "$out" idl/keel.json | head -40
    exit 1
  fi
  echo "idl/keel.json is current"
else
  mkdir -p idl
  cat "$out" >idl/keel.json # mktemp files are private (0600)
  echo "wrote idl/keel.json"
fi
