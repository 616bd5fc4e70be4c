"""Container health check of the web process: GET /api/v1/health on the local gunicorn.

Exit 0 when the endpoint answers 200 with status "ok" or "degraded" (the process serves; a
degraded dependency is reported by the endpoint, restarting the web container would not fix
it), 1 otherwise. Standard library plus orjson only, so it costs no extra packages.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

import orjson

URL = "http://127.0.0.1:{port}/api/v1/health"


def main() -> int:
    url = URL.format(port=os.environ.get("TRADEDASH_WEB_PORT", "8050"))
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            body = orjson.loads(response.read())
    except (urllib.error.URLError, OSError, orjson.JSONDecodeError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    status = body.get("status") if isinstance(body, dict) else None
    if status not in ("ok", "degraded"):
        print(f"unhealthy: {url} answered status={status!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
