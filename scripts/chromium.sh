#!/usr/bin/env bash
# Installs Debian's Chromium (the browser the dApp's Playwright tests drive, at /usr/bin/chromium)
# with apt-get when it is missing. Never `npx playwright install`: that downloads a browser from
# outside the package registries.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
command -v apt-get >/dev/null || { echo "chromium.sh: /usr/bin/chromium is missing and apt-get is not available"; exit 1; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "chromium.sh: installing chromium needs root (or sudo)"; exit 1; }
  SUDO="sudo"
fi
echo "== apt-get install chromium =="
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
