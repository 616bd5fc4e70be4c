#!/bin/sh
# Entrypoint of the tradedash image (runs under tini as PID 1).
#
# `docker run IMAGE ingest` and `docker run IMAGE tradedash ingest` are the same: a first
# argument that is a tradedash subcommand gets the `tradedash` prefix. Anything else (the
# default gunicorn CMD, `sh`, `python ...`) runs as given.
set -eu

case "${1:-}" in
    web | ingest | worker | beat | simulate | migrate | create-user | create-token | demo)
        set -- tradedash "$@"
        ;;
esac

exec "$@"
