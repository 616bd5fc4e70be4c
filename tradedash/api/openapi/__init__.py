"""GET /api/v1/openapi.json: the API described as OpenAPI 3.1 (see :mod:`.document`).

``tests/integration/test_openapi.py`` checks the document against the registered routes and
validates real responses against it, so an endpoint and its description cannot drift apart.
"""

from __future__ import annotations

import orjson
from flask import Blueprint, Response

from ...auth.api import require_api_role
from .document import document

__all__ = ["blueprint", "document"]

blueprint = Blueprint("openapi", __name__)


@blueprint.get("/openapi.json")
@require_api_role("analyst")
def openapi_json() -> Response:
    return Response(orjson.dumps(document()), mimetype="application/json")
