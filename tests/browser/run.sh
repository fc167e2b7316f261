#!/usr/bin/env bash
# The browser test of the status page: installs Debian's chromium (and a CJK font, so the
# screenshot shows Chinese text) when missing, then runs the Rust test that drives it.
# Output: target/status-page.png (1280×800) and target/status-page-full.png.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'wqy\|noto sans cjk' || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need[@]}"
  else
    echo "missing: ${need[*]} — run: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi

cargo test -p jingsf-admin --test browser -- --nocapture
