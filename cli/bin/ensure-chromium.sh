#!/usr/bin/env bash
# Makes sure a headless Chromium is on this machine for the report's browser test (ReportBrowserIT):
# Debian's chromium package, installed with apt-get where it is missing (as root, or through sudo).
# Prints the browser's path. CROSSROLE_CHROMIUM overrides where it is looked for.
set -euo pipefail
for candidate in "${CROSSROLE_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no chromium and no apt-get: install Chromium and set CROSSROLE_CHROMIUM to its path" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  SUDO="sudo -n"
fi
echo "ensure-chromium: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends chromium >&2 \
  || { $SUDO apt-get update -q >&2 && $SUDO apt-get install -y -q --no-install-recommends chromium >&2; }
echo /usr/bin/chromium
