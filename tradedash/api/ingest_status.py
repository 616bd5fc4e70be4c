"""GET /api/v1/ingest/status and /api/v1/ingest/metrics (Prometheus text format)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CollectorRegistry, Gauge, generate_latest

from workers.ingest.status import status_document

from ..auth.api import require_api_role
from ..resources import Resources

blueprint = Blueprint("ingest_status", __name__)


def _document() -> dict[str, object]:
    resources: Resources = current_app.extensions["tradedash"]
    return status_document(resources.engine, resources.settings, resources.redis)


@blueprint.get("/ingest/status")
@require_api_role("analyst")
def ingest_status() -> Response:
    return jsonify(_document())


@blueprint.get("/ingest/metrics")
@require_api_role("analyst")
def ingest_metrics() -> Response:
    document = _document()
    registry = CollectorRegistry()
    labels = ["topic"]
    lag = Gauge("tradedash_ingest_lag", "Messages not yet stored", labels, registry=registry)
    partition_lag = Gauge(
        "tradedash_ingest_partition_lag",
        "Messages not yet stored",
        ["topic", "partition"],
        registry=registry,
    )
    stored = Gauge("tradedash_ingest_events_stored", "Events stored", labels, registry=registry)
    dupes = Gauge("tradedash_ingest_duplicates", "Duplicates ignored", labels, registry=registry)
    dead = Gauge("tradedash_ingest_dead_letters", "Dead letters", labels, registry=registry)
    last = Gauge(
        "tradedash_ingest_last_event_seconds",
        "Last event time (unix seconds)",
        labels,
        registry=registry,
    )
    import datetime as dt

    for topic in document["topics"]:  # type: ignore[attr-defined]
        name = topic["topic"]
        lag.labels(name).set(topic["lag"])
        stored.labels(name).set(topic["events_stored"])
        dupes.labels(name).set(topic["duplicates_ignored"])
        dead.labels(name).set(topic["dead_letters"])
        if topic["last_event_ts"]:
            ts = dt.datetime.fromisoformat(topic["last_event_ts"].replace("Z", "+00:00"))
            last.labels(name).set(ts.timestamp())
        for part in topic["partitions"]:
            partition_lag.labels(name, str(part["partition"])).set(part["lag"])
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
