#!/usr/bin/env bash
# Opens /swagger from the compiled binary in headless Chromium with every network but loopback blocked, and checks
# that the page lists every path of /openapi.json and fetched nothing but the gateway (check-swagger.mjs judges).
#
#   bash test/browser/swagger.sh [BINARY] [ARTIFACT_DIR]      (defaults: dist/anvat, .ci/artifacts)
#
# Leaves ARTIFACT_DIR/swagger.png (the screenshot), swagger.dom.html, swagger.netlog.json and swagger-chromium.log,
# and exits non-zero on any failure. Needs chromium (Debian package) and node.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
binary=$(realpath "${1:-$root/dist/anvat}")
mkdir -p "${2:-$root/.ci/artifacts}"
artifacts=$(realpath "${2:-$root/.ci/artifacts}")
# The folder ignores itself, so screenshots never end up in a commit.
[ -f "$artifacts/.gitignore" ] || echo '*' > "$artifacts/.gitignore"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "swagger: chromium is not installed (apt-get install -y chromium)" >&2
  exit 1
fi

bare=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$bare"
}
trap cleanup EXIT

# A folder with nothing but the binary: every byte of the page must come from inside it.
cp "$binary" "$bare/anvat"
cd "$bare"
env -i PATH="$PATH" ./anvat serve --port 0 --host 127.0.0.1 --db ./docs.db > serve.log 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -Eo 'url=http://[0-9.:]+' serve.log | head -n 1 | cut -d= -f2 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "swagger: the binary did not start" >&2
  cat serve.log >&2
  exit 1
fi

# Names resolve to nothing but 127.0.0.1, and any other address goes to a proxy that does not exist (Chromium never
# proxies loopback), so a CDN fetch would fail and show in the net log.
chromium_run() {
  "$browser" --headless=new --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
    --disable-background-networking --disable-component-update --disable-sync --metrics-recording-only \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" --proxy-server=http://127.0.0.1:9 \
    --user-data-dir="$bare/profile" --window-size=1280,2000 --virtual-time-budget=5000 \
    --enable-logging=stderr --v=0 "$@" "$url/swagger" 2>>"$artifacts/swagger-chromium.log"
}
: > "$artifacts/swagger-chromium.log"
rm -f "$artifacts/swagger.png"
chromium_run --screenshot="$artifacts/swagger.png" --log-net-log="$artifacts/swagger.netlog.json" > /dev/null
chromium_run --dump-dom > "$artifacts/swagger.dom.html"
curl -sf "$url/openapi.json" > openapi.json

node "$root/test/browser/check-swagger.mjs" "$artifacts" "$url" "$bare/openapi.json"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""
echo "swagger: screenshot at $artifacts/swagger.png"
