# Sourced by the scripts that test a running server (browser, schemathesis): builds the
# binary, loads the small demo into a fresh SQLite database in a temporary folder and
# starts `clausier serve --no-jobs` on a random port. Sets RACINE, BIN, TMP, PORT, URL and
# SERVEUR (and exports the settings, CLAUSIER_BIN and the e-mails' folder); the server stops and the folder goes when the script exits.
RACINE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$RACINE" && cargo build --locked --quiet)
BIN="$RACINE/target/debug/clausier"
TMP="$(mktemp -d)"
PORT="${CLAUSIER_TEST_PORT:-$((20000 + RANDOM % 20000))}"
URL="http://127.0.0.1:$PORT"
export CLAUSIER__DATABASE__URL="sqlite://$TMP/demo.db?mode=rwc"
export CLAUSIER__SERVER__BIND="127.0.0.1:$PORT"
export CLAUSIER__SERVER__TEMPLATES_DIR="$RACINE/templates" CLAUSIER_CONFIG_DIR="$RACINE/config"
# E-mails as files, where the tests read them; the binary, for the tests that run it.
export CLAUSIER__MAIL__TRANSPORT=file CLAUSIER__MAIL__DIR="$TMP/mail" CLAUSIER_BIN="$BIN"
(cd "$TMP" && "$BIN" demo --scale small >"$TMP/demo.log" 2>&1)
(cd "$TMP" && exec "$BIN" serve --no-jobs >"$TMP/serve.log" 2>&1) &
SERVEUR=$!
trap 'kill $SERVEUR 2>/dev/null || true; wait $SERVEUR 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 60); do
  curl -fsS "$URL/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$URL/health" >/dev/null
