#!/usr/bin/env bash
# Builds docker/Dockerfile with podman and runs the image: the proof that the container starts and
# serves. For machines without a Docker engine or registry access (see docs/OPERATIONS.md):
#
#   scripts/container-smoke.sh                 # build (stand-in base images first if missing), run, check
#   SKIP_BUILD=1 scripts/container-smoke.sh    # check an image built before
#
# Settings: IMAGE (forgesyte:smoke), MODELS (../shared/models, served on loopback as MODEL_SOURCE),
# MEDIA (../shared/media), PORT (a free port), READY_BOUND_S (180), MAX_IMAGE_MB (900),
# NPM_CACHE (the host's npm cache, mounted for the build's npm ci so it needs no downloads; the
# host's npm cafile is mounted too).
#
# Checks: /health/ready 200 within READY_BOUND_S; the dashboard and its icon served; one WebSocket
# frame answered with detections; one small video job completed; the server process runs as a
# non-root user; the image holds no dev dependency, no test file and no npm cache; its size.
# Needs root, podman, buildah, mmdebstrap (Debian packages) and `npm ci` done on the host (the
# checking client uses the ws package).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SHARED="$(cd .. && pwd)/shared"
IMAGE="${IMAGE:-forgesyte:smoke}"
MODELS="${MODELS:-$SHARED/models}"
MEDIA="${MEDIA:-$SHARED/media}"
READY_BOUND_S="${READY_BOUND_S:-180}"
MAX_IMAGE_MB="${MAX_IMAGE_MB:-900}"
NPM_CACHE="${NPM_CACHE:-$(npm config get cache)}"

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
step() { printf '\n=== %s (%ss)\n' "$1" "$SECONDS"; }
fail() { echo "FAIL $*" >&2; exit 1; }
failures=()
# A failed image-content check is reported at the end, after the run checks.
later() { echo "FAIL $*" >&2; failures+=("$*"); }

work="$(mktemp -d)"
pids=()
ctr=""
mnt=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$mnt" ] && podman image unmount "$IMAGE" >/dev/null 2>&1 || true
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  step "base images (local stand-ins for the official node images)"
  scripts/container-base-images.sh

  step "models served on loopback as MODEL_SOURCE"
  model_port="$(free_port)"
  python3 -m http.server --bind 127.0.0.1 --directory "$MODELS" "$model_port" >"$work/models-http.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$model_port/" && break; sleep 0.1; done

  step "podman build"
  build_started=$SECONDS
  build_log="${BUILD_LOG:-$work/build.log}"
  # The host's npm trust settings for the build's npm (a registry behind a TLS proxy needs its CA):
  # mounted for the RUN steps only, so the image does not keep them.
  build_mounts=(--volume "$NPM_CACHE:/root/.npm")
  cafile="$(npm config get cafile)"
  if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -f "$cafile" ]; then
    printf 'cafile=/etc/ssl/certs/build-host-ca.crt\n' >"$work/npmrc"
    build_mounts+=(--volume "$cafile:/etc/ssl/certs/build-host-ca.crt:ro" --volume "$work/npmrc:/usr/local/etc/npmrc:ro")
  fi
  set +e
  # Docker image format: the OCI format drops HEALTHCHECK.
  podman build --isolation chroot --pull=never --network host --format docker "${build_mounts[@]}" \
    --build-arg "MODEL_SOURCE=http://127.0.0.1:$model_port" \
    --build-arg "FORGESYTE_REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    -f docker/Dockerfile -t "$IMAGE" . >"$build_log" 2>&1
  built=$?
  set -e
  grep -E '^(STEP|COMMIT)' "$build_log" || true
  [ "$built" -eq 0 ] || { tail -40 "$build_log"; fail "podman build"; }
  echo "build: $((SECONDS - build_started)) s"
fi

step "image contents"
podman image exists "$IMAGE" || fail "no image $IMAGE"
size_bytes="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
size_mb=$((size_bytes / 1000000))
mnt="$(podman image mount "$IMAGE")"
[ -f "$mnt/app/dist/apps/server/apps/server/src/main.js" ] || fail "server build missing from the image"
[ -f "$mnt/app/dist/apps/dashboard/browser/index.html" ] || fail "dashboard build missing from the image"
ls "$mnt/app/var/models/"*.onnx >/dev/null || fail "models missing from the image"
dev_found=()
for dep in $(node -p "Object.keys(require('./package.json').devDependencies).join(' ')"); do
  [ -e "$mnt/app/node_modules/$dep" ] && dev_found+=("$dep")
done
if [ ${#dev_found[@]} -eq 0 ]; then echo "ok  no dev dependency in node_modules"; else later "dev dependencies in the image: ${dev_found[*]}"; fi
tests_found="$(find "$mnt/app" -path "$mnt/app/node_modules" -prune -o \( -name '*.spec.*' -o -name '*.e2e-spec.*' -o -name test -type d \) -print | head -5)"
if [ -z "$tests_found" ]; then echo "ok  no test file"; else later "test files in the image: $tests_found"; fi
# An empty /root/.npm is the mount point of the build's cache mount, not a cache.
caches="$(find "$mnt" -xdev \( -name _cacache -o \( -name .npm -not -empty \) \) -print 2>/dev/null | head -5)"
if [ -z "$caches" ]; then echo "ok  no npm cache"; else later "npm cache in the image: $caches"; fi
user="$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
echo "image user: ${user:-root}"
podman image unmount "$IMAGE" >/dev/null
mnt=""
[ "$size_mb" -le "$MAX_IMAGE_MB" ] || fail "image is $size_mb MB, above $MAX_IMAGE_MB MB"
echo "ok  image size: $size_mb MB"

step "run the server in the image (host network, throwaway /data)"
port="${PORT:-$(free_port)}"
data="$work/data"
mkdir -p "$data"
chown 1000:1000 "$data"
ctr="$(buildah from --pull-never "$IMAGE")"
run_started=$SECONDS
# The image's own user (USER node); only the port and the data directory differ from its defaults.
buildah run --isolation chroot --network host --volume "$data:/data" \
  --env PORT="$port" --env HOST=127.0.0.1 --env LOG_FORMAT=json --env PIPELINE_WORKERS=1 \
  "$ctr" -- node dist/apps/server/apps/server/src/main.js >"$work/server.log" 2>&1 &
run_pid=$!
pids+=("$run_pid")

node scripts/container-smoke-client.mjs "http://127.0.0.1:$port" "$MEDIA" "$READY_BOUND_S" ||
  { tail -30 "$work/server.log"; fail "server checks"; }

server_pid="$(pgrep -f "dist/apps/server/apps/server/src/main.js" -P "$(pgrep -d, -P "$run_pid")" | head -1 || true)"
[ -n "$server_pid" ] || server_pid="$(pgrep -f "node dist/apps/server/apps/server/src/main.js" -n)"
uid="$(awk '/^Uid:/ {print $2}' "/proc/$server_pid/status")"
[ "$uid" != 0 ] || fail "the server runs as root"
echo "ok  server process runs as uid $uid"
grep -q '"event":"server_ready"' "$work/server.log" && grep '"event":"server_ready"' "$work/server.log" | head -1
if grep -E 'DeprecationWarning|\(node:[0-9]+\)' "$work/server.log"; then fail "Node printed warnings at start"; fi
echo "ok  no Node warning at start"

kill -TERM "$server_pid" 2>/dev/null || true
wait "$run_pid" 2>/dev/null || true
echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "container smoke: FAILED (${failures[*]}); image $IMAGE $size_mb MB; run checks $((SECONDS - run_started)) s; total $SECONDS s"
  exit 1
fi
echo "container smoke: passed; image $IMAGE $size_mb MB; run checks $((SECONDS - run_started)) s; total $SECONDS s"
