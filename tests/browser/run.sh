#!/usr/bin/env bash
# Browser tests: Debian's headless Chromium (installed here when missing), playwright-core
# and axe-core from npm (package-lock.json), against a server started on a fresh demo
# database. Screenshots and the page of a failure go to tests/browser/artefacts/.
set -euo pipefail
cd "$(dirname "$0")"
ICI="$(pwd)"
RACINE="$(cd ../.. && pwd)"

if ! command -v chromium >/dev/null; then
  echo "== installing Debian's chromium"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
fi
npm ci --no-audit --no-fund --loglevel=error

(cd "$RACINE" && cargo build --locked --quiet)
BIN="$RACINE/target/debug/clausier"
TMP="$(mktemp -d)"
PORT="${CLAUSIER_BROWSER_PORT:-$((20000 + RANDOM % 20000))}"
export CLAUSIER__DATABASE__URL="sqlite://$TMP/demo.db?mode=rwc"
export CLAUSIER__SERVER__BIND="127.0.0.1:$PORT"
export CLAUSIER__SERVER__TEMPLATES_DIR="$RACINE/templates" CLAUSIER_CONFIG_DIR="$RACINE/config"
cd "$TMP"
"$BIN" demo --scale small >"$TMP/demo.log" 2>&1
"$BIN" serve --no-jobs >"$TMP/serve.log" 2>&1 &
SERVEUR=$!
trap 'kill $SERVEUR 2>/dev/null || true; wait $SERVEUR 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/connexion" >/dev/null 2>&1 && break
  sleep 0.5
done
cd "$ICI"
rm -rf artefacts
if ! CLAUSIER_URL="http://127.0.0.1:$PORT" node parcours.mjs; then
  mkdir -p artefacts && cp "$TMP/serve.log" artefacts/serveur.log
  echo "journal du serveur : $ICI/artefacts/serveur.log" >&2
  tail -n 40 artefacts/serveur.log >&2
  exit 1
fi
