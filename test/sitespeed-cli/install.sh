#!/usr/bin/env bash
# Brings sitespeed.io's own command-line parser, at the version of the pinned image, into
# .sitespeed-cli/<version>/: the package's tarball (its lib/cli defines every option) and the
# yargs it depends on, nothing else. The package as a whole does not install here (it needs Node
# 22 and two packages this registry does not serve), and the tests need none of it: they load
# lib/cli with stubs for its runtime dependencies (stub-hooks.mjs). Part of `npm run test:tools`;
# quick when current. The version must match SitespeedImage.pinned() (a test checks it).
set -euo pipefail
cd "$(dirname "$0")/../.."

version=42.7.0
integrity='sha512-dYeu6ltQ9EWGyxeMBnVvSZagR6hUiaQrkqIYAvHntrSkbsYqFB32uXtW3V7j+GS8O+kQKPlJW3ktqTm9UOX8ow=='
dir=.sitespeed-cli/$version

if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$integrity" ]; then
  echo "sitespeed.io CLI: $dir is current"
  exit 0
fi
echo "sitespeed.io CLI: fetching sitespeed.io $version's parser into $dir"
rm -rf "$dir"
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
packed=$(cd "$work" && npm pack --json --loglevel=error "sitespeed.io@$version")
got=$(node -e 'console.log(JSON.parse(process.argv[1])[0].integrity)' "$packed")
if [ "$got" != "$integrity" ]; then
  echo "sitespeed.io CLI: sitespeed.io@$version's tarball has integrity $got, expected $integrity" >&2
  exit 1
fi
mkdir "$work/package"
tar -xzf "$work"/sitespeed.io-"$version".tgz -C "$work/package" --strip-components=1
yargs=$(node -p "require('$work/package/package.json').dependencies.yargs")
echo '{ "private": true }' > "$dir/package.json"
npm install --prefix "$dir" --save-exact --no-audit --no-fund --loglevel=error "yargs@$yargs"
# After npm, which would prune a package its package.json does not list.
mv "$work/package" "$dir/node_modules/sitespeed.io"
echo "$integrity" > "$dir/.stamp"
echo "sitespeed.io CLI: sitespeed.io $version with yargs $yargs in $dir"
