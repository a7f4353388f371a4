#!/usr/bin/env bash
# Runs every test of s3post: formatting, vet, staticcheck, the race-enabled
# tests of every module in the repository, fuzz seeds and one pass of each
# benchmark. On a fresh Debian machine with Go it installs what it needs;
# tools are cached in Go's own caches, outside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2
GOBIN_DIR="$(go env GOPATH)/bin"
export PATH="$GOBIN_DIR:$PATH"

step() { printf '\n==> %s\n' "$*"; }

if ! staticcheck -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
  step "installing staticcheck $STATICCHECK_VERSION"
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

status=0
for mod in $(find . -name go.mod -not -path './.git/*' | sort); do
  dir=$(dirname "$mod")
  step "module $dir: go vet, staticcheck, go test -race"
  (
    cd "$dir"
    go vet ./...
    staticcheck ./...
    go test -race -count=1 ./...
    go test -run='^$' -bench=. -benchtime=1x ./... >/dev/null
  ) || status=1
done
exit $status
