"""GET /api/v1/health: database, Redis and Kafka, each with ok/down and a detail."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, Response, current_app, jsonify

from app.health.checks import check_database, check_kafka, check_redis, overall

from ..resources import Resources

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health() -> tuple[Response, int]:
    resources: Resources = current_app.extensions["tradedash"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            "database": pool.submit(check_database, resources.engine),
            "redis": pool.submit(check_redis, resources.redis),
            "kafka": pool.submit(check_kafka, resources.settings),
        }
        results = {name: future.result() for name, future in futures.items()}
    status = overall(results)
    body = {"status": status, "checks": {k: v.as_dict() for k, v in results.items()}}
    return jsonify(body), 200 if status == "ok" else 503
