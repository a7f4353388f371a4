#!/usr/bin/env bash
# Runs every test of s3post: formatting, vet, staticcheck, the race-enabled
# tests of every module in the repository (fuzz seeds, golden files, the
# end-to-end suite against VersityGW, SeaweedFS and Ceph RGW and in headless
# Chromium) and one pass of each benchmark.
#
# On a fresh Debian machine with Go it installs what it needs: staticcheck,
# VersityGW and SeaweedFS (built once through the Go module proxy and cached
# under ${XDG_CACHE_HOME:-~/.cache}/s3post, outside the clone), and Debian's
# chromium, Ceph (ceph-mon, ceph-osd, radosgw) and, when npm is missing,
# nodejs and npm. It installs the browser recipes' JavaScript packages with
# npm ci from their committed package-lock.json files (once per lock file,
# cached outside the clone like the servers) and bundles them with esbuild
# (e2e/browser/bundle.sh).
# It starts the servers on 127.0.0.1 and stops them on exit.
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

step "installing the end-to-end servers and chromium (cached after the first run)"
./scripts/e2e-servers.sh install

step "browser recipes: npm ci and esbuild bundles"
./e2e/browser/bundle.sh

state=$(mktemp -d "${TMPDIR:-/tmp}/s3post-e2e.XXXXXX")
cleanup() {
  ./scripts/e2e-servers.sh stop "$state" || true
  rm -rf "$state"
}
trap cleanup EXIT
step "starting the end-to-end servers"
./scripts/e2e-servers.sh start "$state"
# shellcheck disable=SC1091
. "$state/env"
export S3POST_E2E_REQUIRED=1

status=0
for mod in $(find . -name go.mod -not -path './.git/*' | sort); do
  dir=$(dirname "$mod")
  step "module $dir: go vet, staticcheck, go test -race"
  # An && chain, not set -e: bash ignores set -e in a subshell tested by ||.
  (
    cd "$dir" &&
      go vet ./... &&
      staticcheck ./... &&
      go test -race -count=1 ./... &&
      go test -run='^$' -bench=. -benchtime=1x ./... >/dev/null
  ) || { echo "FAILED: module $dir"; status=1; }
done
# Allocation counts are pinned by tests that the race detector would skew
# (build tag !race), so they run once more without it.
step "allocation tests, without the race detector"
go test -count=1 -run 'Allocs' . || { echo "FAILED: allocation tests"; status=1; }
exit $status
