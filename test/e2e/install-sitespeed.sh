#!/bin/bash
# Installs the sitespeed.io CLI the e2e test runs, outside the library's dependencies, and
# checks for Debian's chromium and chromedriver (sitespeed.io's own driver downloads cannot
# work on this closed network, so they are skipped).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Checked first, so a machine without a browser fails at once rather than after an install or a
# browser time-out.
for binary in /usr/bin/chromium /usr/bin/chromedriver; do
  if [ ! -x "$binary" ]; then
    echo "e2e: $binary is missing. The e2e drives a real Chromium; install it with:" >&2
    echo "  Debian/Ubuntu: apt-get install chromium chromium-driver" >&2
    echo "  (the e2e expects Debian's paths, /usr/bin/chromium and /usr/bin/chromedriver)" >&2
    exit 1
  fi
done
# Graphite's nginx site is proven with the real nginx (test/e2e/graphite-auth.e2e.ts).
if [ ! -x /usr/sbin/nginx ]; then
  echo "e2e: /usr/sbin/nginx is missing. The e2e serves Graphite's nginx site with the real nginx; install it with:" >&2
  echo "  Debian/Ubuntu: apt-get install nginx-light" >&2
  exit 1
fi

version="39.2.0" # newer releases need Node 22 (we support 20) or were missing from the registry we install from
dir=".e2e/sitespeed"
installed=$(node -p "require('./$dir/node_modules/sitespeed.io/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$version" ]; then
  mkdir -p "$dir"
  echo '{ "private": true }' > "$dir/package.json"
  CHROMEDRIVER_SKIP_DOWNLOAD=true GECKODRIVER_SKIP_DOWNLOAD=true EDGEDRIVER_SKIP_DOWNLOAD=true \
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "sitespeed.io@$version"
fi
echo "e2e: sitespeed.io $version in $dir, $(/usr/bin/chromedriver --version | cut -d' ' -f1-2)"
