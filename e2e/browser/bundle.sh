#!/usr/bin/env bash
# Installs the recipes' npm packages from their package-lock.json files
# (npm ci, from ~/.npm's cache when warm) and bundles the pages' scripts
# into dist/ with esbuild. Run by ../../scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")"
for dir in . uppy5 uppy6; do
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
done
rm -rf dist
esbuild=./node_modules/.bin/esbuild
opts=(--bundle --format=iife --log-level=warning)
"$esbuild" dropzone.js "${opts[@]}" --outfile=dist/dropzone.js
"$esbuild" uppy5/upload.js "${opts[@]}" --outfile=dist/uppy5.js
"$esbuild" uppy6/upload.js "${opts[@]}" --outfile=dist/uppy6.js
