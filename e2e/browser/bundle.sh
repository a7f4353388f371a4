#!/usr/bin/env bash
# Installs the recipes' npm packages from their package-lock.json files and
# bundles the pages' scripts into dist/ with esbuild. Run by
# ../../scripts/test.sh.
#
# Each folder's node_modules is installed once by npm ci into
# ${XDG_CACHE_HOME:-~/.cache}/s3post/npm/<sha256 of its package-lock.json>,
# outside the clone, and linked from here: a fresh clone with a warm cache
# installs nothing, and a changed lock file gets a fresh install.
set -euo pipefail
cd "$(dirname "$0")"
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/s3post/npm
for dir in . uppy5 uppy6; do
  hash=$(sha256sum "$dir/package-lock.json" | cut -c1-16)
  cached=$CACHE_DIR/$hash
  if [ ! -d "$cached" ]; then
    # Installed aside and renamed into place, so that a concurrent run
    # never sees half an install.
    mkdir -p "$CACHE_DIR"
    tmp=$(mktemp -d "$CACHE_DIR/tmp.XXXXXX")
    cp "$dir/package.json" "$dir/package-lock.json" "$tmp/"
    (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
    mv -T "$tmp" "$cached" 2>/dev/null || rm -rf "$tmp"
  fi
  rm -rf "$dir/node_modules"
  ln -s "$cached/node_modules" "$dir/node_modules"
done
rm -rf dist
esbuild=./node_modules/.bin/esbuild
opts=(--bundle --format=iife --log-level=warning)
"$esbuild" dropzone.js "${opts[@]}" --outfile=dist/dropzone.js
"$esbuild" uppy5/upload.js "${opts[@]}" --outfile=dist/uppy5.js
"$esbuild" uppy6/upload.js "${opts[@]}" --outfile=dist/uppy6.js
