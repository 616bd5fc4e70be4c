"""The daily retention job: drop partitions older than each data class's policy."""

from __future__ import annotations

from celery import shared_task

from . import context


@shared_task(
    name="tradedash.retention.enforce",
    acks_late=True,
    max_retries=3,
    autoretry_for=(Exception,),
    retry_backoff=True,
)
def enforce() -> dict[str, list[str]]:
    """Run :func:`app.compliance.retention.enforce`; the dropped partitions per data class."""
    from app.compliance.retention import enforce as enforce_policies

    with context.engine().begin() as conn:
        return enforce_policies(conn, exports_dir=context.settings().exports_path).dropped
