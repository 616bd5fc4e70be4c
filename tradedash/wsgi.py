"""WSGI entry for gunicorn: `gunicorn tradedash.wsgi:server`."""

from __future__ import annotations

from app.config import load_settings

from .web import create_app

server = create_app(load_settings()).server
