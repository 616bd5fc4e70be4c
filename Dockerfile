# Builds with the classic builder and BuildKit alike (no BuildKit-only syntax).
#
# tradedash production image. One image, several processes:
#   web (default)   gunicorn serving tradedash.wsgi:server on 0.0.0.0:8050
#   tradedash ingest | worker | beat | migrate   (override the command)
# See docs/deployment.md.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --------------------------------------------------------------------------- build stage
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# Dependencies first (their layer survives source edits): a wheel for every dependency.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip wheel --wheel-dir /wheels -r /tmp/requirements.txt

# Then the project's own wheel (no deps: they are already in /wheels).
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

# Install the wheels, offline, into a virtualenv that the runtime stage copies as a whole
# (same base image, same path), so no wheel files or build tools end up in the final image.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-index --find-links=/wheels tradedash

# ------------------------------------------------------------------------- runtime stage
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="tradedash" \
      org.opencontainers.image.description="Execution analytics dashboard for the trading engine"

# Runtime packages only: Chromium for Kaleido's chart export (PDF/PNG), tini as PID 1 so the
# browser's child processes are reaped and signals reach gunicorn/celery. psycopg[binary]
# bundles libpq, so no libpq5.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core tini \
    && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BROWSER_PATH=/usr/bin/chromium \
    TRADEDASH_ENV=production \
    TRADEDASH_DATA_DIR=/var/lib/tradedash \
    TRADEDASH_WEB_PORT=8050

COPY --from=build /opt/venv /opt/venv

# Files that live at the project root rather than in a package: the code finds them next to
# the installed packages (app.config.PROJECT_ROOT), so put them there.
COPY assets /opt/venv/lib/python3.11/site-packages/assets
COPY alembic.ini /opt/venv/lib/python3.11/site-packages/alembic.ini
COPY deploy/docker/gunicorn.conf.py /etc/tradedash/gunicorn.conf.py
COPY deploy/docker/healthcheck.py /usr/local/lib/tradedash/healthcheck.py
COPY deploy/docker/entrypoint.sh /usr/local/bin/docker-entrypoint.sh

RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh \
    && groupadd --system --gid 10001 tradedash \
    && useradd --system --uid 10001 --gid tradedash --home-dir /var/lib/tradedash \
       --shell /usr/sbin/nologin tradedash \
    && mkdir -p /var/lib/tradedash \
    && chown tradedash:tradedash /var/lib/tradedash

USER tradedash:tradedash
WORKDIR /var/lib/tradedash

EXPOSE 8050

# Only the web process serves HTTP; compose overrides/disables this for the other roles.
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "/usr/local/lib/tradedash/healthcheck.py"]

ENTRYPOINT ["tini", "--", "docker-entrypoint.sh"]
CMD ["gunicorn", "--config", "/etc/tradedash/gunicorn.conf.py", "tradedash.wsgi:server"]
