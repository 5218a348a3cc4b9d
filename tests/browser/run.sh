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

source "$RACINE/tests/serveur_demo.sh"
cd "$ICI"
rm -rf artefacts
if ! CLAUSIER_URL="$URL" node parcours.mjs; then
  mkdir -p artefacts && cp "$TMP/serve.log" artefacts/serveur.log
  echo "journal du serveur : $ICI/artefacts/serveur.log" >&2
  tail -n 40 artefacts/serveur.log >&2
  exit 1
fi
