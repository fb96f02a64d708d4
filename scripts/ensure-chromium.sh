#!/usr/bin/env bash
# Browser tests drive Debian's Chromium: Playwright's own browser download fails here.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser tests"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is missing; install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
fi
