"""JSON errors in the API's one format: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

import psycopg
import redis
import sqlalchemy.exc
from confluent_kafka import KafkaException
from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

# Exceptions that mean a backing service is unreachable or failing, not that the request or
# the code is wrong: answered 503 naming the service (API contract: "say which").
SERVICE_ERRORS: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    (
        "database",
        (
            sqlalchemy.exc.OperationalError,
            sqlalchemy.exc.InterfaceError,
            sqlalchemy.exc.TimeoutError,  # the connection pool is exhausted
            psycopg.OperationalError,
            psycopg.InterfaceError,
        ),
    ),
    ("redis", (redis.ConnectionError, redis.TimeoutError)),
    ("kafka", (KafkaException,)),
)


RETRY_AFTER_S = 10
"""Retry-After of a 503: a restarting service is usually back within seconds."""


class ApiError(Exception):
    """Raised by endpoint code; turned into a JSON error response."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def bad_request(message: str, code: str = "bad_parameter") -> ApiError:
    return ApiError(400, code, message)


def error_response(status: int, code: str, message: str, **extra: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


def unavailable_service(exc: BaseException) -> str | None:
    """The backing service ("database", "redis", "kafka") whose failure raised ``exc``, looking
    through the exceptions it was raised from; None when no service is to blame."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for service, types in SERVICE_ERRORS:
            if isinstance(current, types):
                return service
        current = current.__cause__ or current.__context__
    return None


def service_unavailable(service: str) -> tuple[Response, int]:
    """503 naming the service; the cause itself (hosts, SQL) stays in the server log."""
    response, status = error_response(
        503,
        "service_unavailable",
        f"the {service} is unavailable; retry in a few seconds",
        service=service,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response, status


def handle_api_error(exc: ApiError) -> tuple[Response, int]:
    return error_response(exc.status, exc.code, exc.message)


def handle_http_error(exc: HTTPException) -> tuple[Response, int]:
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)


def handle_unexpected(exc: Exception) -> tuple[Response, int]:
    # Never a stack trace to the client; the server log has it.
    from flask import current_app

    service = unavailable_service(exc)
    if service is not None:
        current_app.logger.warning("API request failed, %s unavailable: %s", service, exc)
        return service_unavailable(service)
    current_app.logger.exception("unhandled error in API", exc_info=exc)
    return error_response(500, "internal_error", "internal error; see the server log")
