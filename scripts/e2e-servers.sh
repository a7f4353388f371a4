#!/usr/bin/env bash
# Real S3-compatible servers for the end-to-end tests: VersityGW, SeaweedFS
# and Ceph RADOS Gateway, the three installable servers that check POST
# policies and signatures, plus Debian's chromium for the browser test.
#
#   scripts/e2e-servers.sh install         build VersityGW and SeaweedFS once (cached), apt-get
#                                          chromium, curl and Ceph (ceph-mon, ceph-osd, radosgw)
#   scripts/e2e-servers.sh start STATEDIR  start all three on 127.0.0.1, create buckets, set CORS,
#                                          write STATEDIR/env (source it)
#   scripts/e2e-servers.sh stop STATEDIR   stop what start started; idempotent
#
# Binaries are cached in $S3POST_CACHE/bin (default ${XDG_CACHE_HOME:-~/.cache}/s3post/bin),
# each next to a version marker, so a second install builds nothing.
# Ports: 127.0.0.1:$S3POST_E2E_PORT_BASE (default 17070) to base+20.
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6

CACHE_DIR=${S3POST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/s3post}
BIN_DIR=$CACHE_DIR/bin

REGION=us-east-1
BUCKET=s3post-e2e
OTHER_BUCKET=s3post-e2e-other
DOT_BUCKET=s3post.e2e.dot

# Ports, all on 127.0.0.1 and below Linux's ephemeral range (32768 and up).
# weed mini runs a master, a volume server, a filer, an S3 gateway and an admin
# server, each with a gRPC port: every one is set explicitly, so that weed
# fails instead of silently moving to another port.
PORT_BASE=${S3POST_E2E_PORT_BASE:-17070}
VERSITY_PORT=$PORT_BASE
WEED_S3_PORT=$((PORT_BASE + 1))
WEED_S3_GRPC_PORT=$((PORT_BASE + 2))
WEED_MASTER_PORT=$((PORT_BASE + 3))
WEED_MASTER_GRPC_PORT=$((PORT_BASE + 4))
WEED_VOLUME_PORT=$((PORT_BASE + 5))
WEED_VOLUME_GRPC_PORT=$((PORT_BASE + 6))
WEED_FILER_PORT=$((PORT_BASE + 7))
WEED_FILER_GRPC_PORT=$((PORT_BASE + 8))
WEED_ADMIN_PORT=$((PORT_BASE + 9))
WEED_ADMIN_GRPC_PORT=$((PORT_BASE + 10))
# Ceph: a monitor, radosgw's S3 port, and a range for the daemons' own
# messenger ports.
CEPH_MON_PORT=$((PORT_BASE + 11))
CEPH_RGW_PORT=$((PORT_BASE + 12))
CEPH_MS_PORT_MIN=$((PORT_BASE + 13))
CEPH_MS_PORT_MAX=$((PORT_BASE + 20))
LAST_PORT=$((PORT_BASE + 20))

# Lets any origin POST a form to the bucket and read the answer (browser test).
CORS_XML='<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>Location</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>'

usage() { die "usage: $0 install | start STATEDIR | stop STATEDIR"; }
step() { printf '==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() { printf 'e2e-servers: %s\n' "$*" >&2; exit 1; }

now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
# since START: seconds elapsed since START (a now_us value), e.g. "4.2 s".
since() {
  local d=$(($(now_us) - $1))
  printf '%d.%d s' $((d / 1000000)) $((d / 100000 % 10))
}
# timed TITLE CMD...: runs CMD and says how long it took.
timed() {
  local title=$1 start
  start=$(now_us)
  shift
  step "$title"
  "$@"
  note "$title: $(since "$start")"
}

# ---------------------------------------------------------------- install

# cached NAME VERSION: bin/NAME exists and was built at VERSION.
cached() {
  [ -x "$BIN_DIR/$1" ] && [ "$(cat "$BIN_DIR/$1.version" 2>/dev/null)" = "$2" ]
}

install_versitygw() {
  if cached versitygw "$VERSITYGW_VERSION"; then
    note "cached: $BIN_DIR/versitygw"
    return
  fi
  local gobin=$CACHE_DIR/tmp-versitygw
  rm -rf "$gobin"
  GOBIN=$gobin go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  mv "$gobin/versitygw" "$BIN_DIR/versitygw"
  rmdir "$gobin"
  echo "$VERSITYGW_VERSION" >"$BIN_DIR/versitygw.version"
}

# `go install .../weed@version` is refused because SeaweedFS's go.mod has a
# replace directive. So a module of our own requires SeaweedFS, repeats the
# replace, and names weed as a tool so that `go mod tidy` keeps the requirement.
install_seaweedfs() {
  if cached weed "$SEAWEEDFS_VERSION"; then
    note "cached: $BIN_DIR/weed"
    return
  fi
  local mod=$CACHE_DIR/src/weed-$SEAWEEDFS_VERSION
  mkdir -p "$mod"
  cat >"$mod/go.mod" <<EOF
module s3post.local/weed

go 1.24

require github.com/seaweedfs/seaweedfs $SEAWEEDFS_VERSION

replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0

tool github.com/seaweedfs/seaweedfs/weed
EOF
  (
    cd "$mod"
    go mod tidy
    go build -o "$BIN_DIR/weed.tmp" github.com/seaweedfs/seaweedfs/weed
  )
  mv "$BIN_DIR/weed.tmp" "$BIN_DIR/weed"
  echo "$SEAWEEDFS_VERSION" >"$BIN_DIR/weed.version"
}

APT_UPDATED=
apt_install() {
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  if [ -z "$APT_UPDATED" ]; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    APT_UPDATED=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

cmd_install() {
  local start
  start=$(now_us)
  mkdir -p "$BIN_DIR"
  if ! command -v curl >/dev/null; then
    timed "apt-get install curl" apt_install curl ca-certificates
  fi
  if [ ! -x /usr/bin/chromium ]; then
    timed "apt-get install chromium" apt_install chromium
  fi
  if ! command -v npm >/dev/null; then
    timed "apt-get install nodejs npm (the browser recipes' bundler)" apt_install nodejs npm
  fi
  if ! command -v radosgw >/dev/null || ! command -v ceph-osd >/dev/null || ! command -v ceph-mon >/dev/null; then
    timed "apt-get install ceph-mon ceph-osd radosgw" apt_install --no-install-recommends ceph-mon ceph-osd radosgw ||
      die "Ceph RADOS Gateway could not be installed (apt-get install ceph-mon ceph-osd radosgw failed): the end-to-end suite needs it as its third referee"
  fi
  note "Ceph: $(radosgw --version 2>/dev/null | head -n 1)"
  timed "VersityGW $VERSITYGW_VERSION" install_versitygw
  timed "SeaweedFS $SEAWEEDFS_VERSION" install_seaweedfs
  note "install: $(since "$start")"
}

# ---------------------------------------------------------------- start

random_alnum() { # LENGTH [TR-CHARSET]
  local s
  s=$(head -c 1024 /dev/urandom | LC_ALL=C tr -dc "${2:-A-Za-z0-9}")
  printf '%s' "${s:0:$1}"
}

port_in_use() { (: >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

# s3 METHOD URL [CURL-ARGS...]: sends a SigV4-signed request, prints the HTTP
# status (000 if there was no answer); the body is left in $STATE/last-response.
# The keys reach curl as a config on its standard input, not as arguments,
# which any user could read in ps.
s3() {
  local method=$1 url=$2
  shift 2
  curl --config - -sS -o "$STATE/last-response" -w '%{http_code}' -X "$method" \
    --aws-sigv4 "aws:amz:$REGION:s3" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@" "$url" 2>/dev/null \
    <<<"user = \"$ACCESS_KEY:$SECRET_KEY\"" || true
}

# launch NAME CMD...: runs CMD in a session of its own, so that stop can kill
# its whole process group; output in $STATE/NAME.log, pid (= process group id)
# in $STATE/NAME.pid. The working directory is $STATE: weed looks for its
# *.toml files in "." first.
launch() {
  local name=$1
  shift
  (cd "$STATE" && exec setsid "$@" </dev/null >"$STATE/$name.log" 2>&1) &
  echo $! >"$STATE/$name.pid"
}

fail_with_log() { # NAME MESSAGE
  printf -- '---- last lines of %s:\n' "$STATE/$1.log" >&2
  tail -n 40 "$STATE/$1.log" >&2 || true
  die "$2"
}

# create_bucket NAME URL BUCKET TIMEOUT: creates BUCKET, retrying while the
# server starts up; 200 (created) and 409 (exists already) both do.
create_bucket() {
  local name=$1 url=$2 bucket=$3 timeout=$4 deadline code
  deadline=$((SECONDS + timeout))
  while :; do
    code=$(s3 PUT "$url/$bucket")
    case $code in 200 | 409) return 0 ;; esac
    running "$name" || fail_with_log "$name" "$name exited while starting"
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf -- '---- last answer (HTTP %s): %s\n' "$code" "$(head -c 600 "$STATE/last-response" 2>/dev/null)" >&2
      fail_with_log "$name" "$name could not create bucket $bucket within $timeout s"
    fi
    sleep 0.2
  done
}

# Content-MD5 of stdin: base64 of the binary digest (coreutils only).
content_md5() {
  local hex escaped='' i
  hex=$(md5sum | cut -c1-32)
  for ((i = 0; i < 32; i += 2)); do escaped+="\\x${hex:i:2}"; done
  printf '%b' "$escaped" | base64
}

put_bucket_cors() { # NAME URL BUCKET
  local code
  code=$(s3 PUT "$2/$3?cors=" --data-binary "$CORS_XML" -H "Content-Type: application/xml" \
    -H "Content-MD5: $(printf '%s' "$CORS_XML" | content_md5)")
  [ "$code" = 200 ] || die "$1: PutBucketCors on $3 answered $code: $(cat "$STATE/last-response")"
}

start_versitygw() {
  # Object metadata goes to a sidecar directory rather than to user xattrs,
  # which tmpfs (a common /tmp) does not support on older kernels.
  mkdir -p "$STATE/versitygw/data" "$STATE/versitygw/meta"
  launch versitygw env ROOT_ACCESS_KEY="$ACCESS_KEY" ROOT_SECRET_KEY="$SECRET_KEY" \
    "$BIN_DIR/versitygw" --port "127.0.0.1:$VERSITY_PORT" \
    --region "$REGION" --virtual-domain localhost --quiet \
    posix --sidecar "$STATE/versitygw/meta" "$STATE/versitygw/data"
}

start_seaweedfs() {
  local dir=$STATE/seaweedfs
  mkdir -p "$dir/data" "$dir/logs" "$dir/admin" "$dir/tmp"
  printf '{"identities":[{"name":"e2e","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","List","Tagging","Write"]}]}\n' \
    "$ACCESS_KEY" "$SECRET_KEY" >"$dir/s3.json"
  # weed mini turns AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/S3_BUCKET from the
  # environment into a user and a bucket: keep the caller's out. TMPDIR and
  # the socket, log and admin flags keep its files under $dir, except the gRPC
  # sockets /tmp/seaweedfs-*-grpc-PORT.sock (hard-coded; removed when it stops).
  # Telemetry is on by default: off.
  launch seaweedfs env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u S3_BUCKET TMPDIR="$dir/tmp" \
    "$BIN_DIR/weed" -logdir="$dir/logs" mini \
    -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$WEED_S3_PORT" -s3.port.grpc="$WEED_S3_GRPC_PORT" \
    -s3.config="$dir/s3.json" -s3.domainName=localhost \
    -s3.localSocket="$dir/s3.sock" -s3.port.iceberg=0 -s3.port.lance=0 \
    -master.port="$WEED_MASTER_PORT" -master.port.grpc="$WEED_MASTER_GRPC_PORT" \
    -master.telemetry=false \
    -volume.port="$WEED_VOLUME_PORT" -volume.port.grpc="$WEED_VOLUME_GRPC_PORT" \
    -filer.port="$WEED_FILER_PORT" -filer.port.grpc="$WEED_FILER_GRPC_PORT" \
    -filer.localSocket="$dir/filer.sock" \
    -admin.ui=false -admin.port="$WEED_ADMIN_PORT" -admin.port.grpc="$WEED_ADMIN_GRPC_PORT" \
    -admin.port.legacy=0 -admin.dataDir="$dir/admin" \
    -webdav=false
}

# start_ceph: a throwaway one-node Ceph cluster under $STATE/ceph (one
# monitor, one OSD on the in-memory memstore, no authentication) and radosgw
# on it. The daemons fork into the background and leave pid files in
# $STATE/ceph/run; their logs are in $STATE/ceph/log.
start_ceph() {
  local dir=$STATE/ceph fsid osd_uuid osd_id
  rm -rf "$dir" # a cluster of an earlier start, stopped by cmd_stop
  mkdir -p "$dir/mon" "$dir/osd" "$dir/run" "$dir/log"
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$CEPH_MON_PORT
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms bind msgr1 = false
ms bind port min = $CEPH_MS_PORT_MIN
ms bind port max = $CEPH_MS_PORT_MAX
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
keyring = $dir/keyring
mon data = $dir/mon/\$name
osd data = $dir/osd/\$name
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false

[client.rgw.e2e]
rgw frontends = beast endpoint=127.0.0.1:$CEPH_RGW_PORT
rgw dns name = localhost
# Without it radosgw asks the monitor for a secure connection and loops on
# "get_initial_auth_request returned -13".
ms mon client mode = crc
CONF
  local conf=(-c "$dir/ceph.conf")
  {
    ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' &&
      ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' &&
      monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$CEPH_MON_PORT]" "$dir/monmap" &&
      ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" &&
      ceph-mon "${conf[@]}" -i a &&
      osd_id=$(timeout 30 ceph "${conf[@]}" osd new "$osd_uuid") &&
      mkdir -p "$dir/osd/osd.$osd_id" &&
      ceph-osd "${conf[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" &&
      ceph-osd "${conf[@]}" -i "$osd_id"
  } >"$dir/log/setup.log" 2>&1 || fail_with_log ceph/log/setup "could not start the Ceph monitor and OSD"
  local deadline=$((SECONDS + 60))
  until timeout 10 ceph "${conf[@]}" osd dump 2>/dev/null | grep -q "^osd\.$osd_id up"; do
    [ "$SECONDS" -lt "$deadline" ] || fail_with_log "ceph/log/osd.$osd_id" "the Ceph OSD did not come up within 60 s"
    sleep 0.2
  done
  radosgw "${conf[@]}" -n client.rgw.e2e >>"$dir/log/setup.log" 2>&1 ||
    fail_with_log ceph/log/client.rgw.e2e "radosgw did not start"
}

# ceph_user: the S3 user of the test keys, once radosgw answers (its first
# start creates its pools, which takes most of the wait).
ceph_user() {
  local dir=$STATE/ceph deadline=$((SECONDS + 90))
  until curl -s -o /dev/null "http://127.0.0.1:$CEPH_RGW_PORT/"; do
    [ "$SECONDS" -lt "$deadline" ] || fail_with_log ceph/log/client.rgw.e2e "radosgw did not answer within 90 s"
    sleep 0.2
  done
  timeout 60 radosgw-admin -c "$dir/ceph.conf" user create --uid=e2e --display-name=e2e \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null 2>>"$dir/log/setup.log" ||
    fail_with_log ceph/log/setup "radosgw-admin could not create the test user"
}

cmd_start() {
  if running versitygw && running seaweedfs && running ceph/run/client.rgw.e2e && [ -f "$STATE/env" ]; then
    note "already running: $STATE/env"
    return
  fi
  cmd_stop
  local start port name url
  start=$(now_us)
  for name in versitygw weed; do
    [ -x "$BIN_DIR/$name" ] || die "no $BIN_DIR/$name: run '$0 install' first"
  done
  command -v radosgw >/dev/null || die "no radosgw (Ceph): run '$0 install' first"
  for port in $(seq "$PORT_BASE" "$LAST_PORT"); do
    if port_in_use "$port"; then
      die "port 127.0.0.1:$port is in use; set S3POST_E2E_PORT_BASE to move ports $PORT_BASE-$LAST_PORT"
    fi
  done

  ACCESS_KEY=$(random_alnum 20 A-Z0-9)
  SECRET_KEY=$(random_alnum 40)
  local versity_url=http://127.0.0.1:$VERSITY_PORT
  local seaweed_url=http://127.0.0.1:$WEED_S3_PORT
  local ceph_url=http://127.0.0.1:$CEPH_RGW_PORT
  step "starting VersityGW ($versity_url), SeaweedFS ($seaweed_url) and Ceph RGW ($ceph_url) in $STATE"
  trap 'cmd_stop' EXIT # until all are ready; their logs stay
  start_versitygw
  start_seaweedfs
  start_ceph
  for name in versitygw seaweedfs ceph; do
    case $name in
      versitygw) url=$versity_url ;;
      seaweedfs) url=$seaweed_url ;;
      ceph) url=$ceph_url && ceph_user ;;
    esac
    create_bucket "$name" "$url" "$BUCKET" 60
    create_bucket "$name" "$url" "$OTHER_BUCKET" 10
    create_bucket "$name" "$url" "$DOT_BUCKET" 10
    put_bucket_cors "$name" "$url" "$BUCKET"
    note "$name ready after $(since "$start")"
  done

  cat >"$STATE/env.tmp" <<EOF
# Written by scripts/e2e-servers.sh start; stop with: scripts/e2e-servers.sh stop $STATE
export S3POST_E2E_ACCESS_KEY=$ACCESS_KEY
export S3POST_E2E_SECRET_KEY=$SECRET_KEY
export S3POST_E2E_REGION=$REGION
export S3POST_E2E_VERSITY_URL=$versity_url
export S3POST_E2E_SEAWEED_URL=$seaweed_url
export S3POST_E2E_CEPH_URL=$ceph_url
export S3POST_E2E_BUCKET=$BUCKET
export S3POST_E2E_OTHER_BUCKET=$OTHER_BUCKET
export S3POST_E2E_DOT_BUCKET=$DOT_BUCKET
export S3POST_E2E_CHROMIUM=$(command -v chromium || true)
EOF
  mv "$STATE/env.tmp" "$STATE/env"
  trap - EXIT
  step "servers ready in $(since "$start"): source $STATE/env"
}

# ---------------------------------------------------------------- stop

# server_pid NAME: the pid in $STATE/NAME.pid if that process is still a
# server of this STATEDIR (pids get reused).
server_pid() {
  local pid
  pid=$(cat "$STATE/$1.pid" 2>/dev/null) || return 1
  grep -qF "$STATE/" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

# SIGTERM to each server's process group, SIGKILL to what is left after 15 s
# (SeaweedFS's filer sometimes takes 10 s to shut down).
cmd_stop() {
  local name pid groups=()
  rm -f "$STATE/env"
  for name in versitygw seaweedfs; do
    if pid=$(server_pid "$name") && kill -TERM -- "-$pid" 2>/dev/null; then
      groups+=("-$pid")
    fi
    rm -f "$STATE/$name.pid"
  done
  # The Ceph daemons put themselves in the background, each with a pid file.
  local f
  for f in "$STATE"/ceph/run/*.pid; do
    [ -e "$f" ] || continue
    if pid=$(server_pid "ceph/run/$(basename "$f" .pid)") && kill -TERM "$pid" 2>/dev/null; then
      groups+=("$pid")
    fi
    rm -f "$f"
  done
  [ ${#groups[@]} -gt 0 ] || return 0
  for _ in $(seq 75); do
    kill -0 -- "${groups[@]}" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -KILL -- "${groups[@]}" 2>/dev/null || true
}

# ---------------------------------------------------------------- main

set_state() { # STATEDIR
  [ -n "${1:-}" ] || usage
  mkdir -p "$1"
  STATE=$(cd "$1" && pwd)
}

case ${1:-} in
  install) cmd_install ;;
  start) set_state "${2:-}"; cmd_start ;;
  stop) set_state "${2:-}"; cmd_stop ;;
  *) usage ;;
esac
