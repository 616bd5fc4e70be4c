"""A schedule's optional S3 delivery target as a pure value: validation with a message per field.

Bucket names follow S3's naming rules for general purpose buckets: 3 to 63 characters of
lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, no
two dots in a row, not an IP address, and none of the prefixes and suffixes AWS reserves.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.reports.s3_keys import check_prefix
from app.reports.webhook import check_url

DEFAULT_REGION = "us-east-1"
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
FIELDS = (
    "s3_endpoint_url",
    "s3_region",
    "s3_bucket",
    "s3_prefix",
    "s3_access_key_id",
    "s3_secret_access_key",
)
"""The form fields of the S3 target (each gets its own validation message)."""

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9-]{2,32}$")
_KEY_TEXT = re.compile(r"^[\x21-\x7e]+$")


@dataclass(frozen=True)
class S3TargetSpec:
    """A validated S3 target; an empty ``secret_access_key`` keeps the stored one."""

    endpoint_url: str
    region: str
    bucket: str
    key_prefix: str
    access_key_id: str
    secret_access_key: str = ""


def check_bucket(name: str) -> str:
    """A valid S3 bucket name (ValueError naming the rule it breaks)."""
    if not 3 <= len(name) <= 63:
        raise ValueError("a bucket name has 3 to 63 characters")
    if not _BUCKET.match(name):
        raise ValueError(
            "lower-case letters, digits, dots and hyphens, starting and ending with a letter "
            "or digit"
        )
    if ".." in name:
        raise ValueError("no two dots in a row")
    if _is_ip_address(name):
        raise ValueError("a bucket name must not look like an IP address")
    if name.startswith(RESERVED_BUCKET_PREFIXES) or name.endswith(RESERVED_BUCKET_SUFFIXES):
        raise ValueError("that prefix or suffix is reserved by S3")
    return name


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def check_region(name: str) -> str:
    """An AWS-style region name such as ``eu-west-2`` (``us-east-1`` when empty)."""
    text = name.strip().lower() or DEFAULT_REGION
    if not _REGION.match(text):
        raise ValueError("a region such as eu-west-2 (letters, digits and hyphens)")
    return text


def _credential(value: str, what: str, longest: int) -> str:
    text = value.strip()
    if not text:
        raise ValueError(f"the {what} is needed")
    if len(text) > longest or not _KEY_TEXT.match(text):
        raise ValueError(f"the {what}: up to {longest} visible characters, no spaces")
    return text


def validate_s3_target(
    form: Mapping[str, Any], *, stored_secret: bool = False
) -> tuple[S3TargetSpec | None, dict[str, str]]:
    """The target from the ``s3_*`` form fields (None when ``s3_enabled`` is off) and the
    problems by field. With ``stored_secret`` an empty secret keeps the stored one."""
    if not form.get("s3_enabled"):
        return None, {}
    problems: dict[str, str] = {}
    values: dict[str, str] = {}

    def check(name: str, parse: Any) -> None:
        try:
            values[name] = parse(str(form.get(name) or ""))
        except ValueError as error:
            problems[name] = str(error)

    check("s3_endpoint_url", lambda v: check_url(v) if v.strip() else "")
    check("s3_region", check_region)
    check("s3_bucket", lambda v: check_bucket(v.strip()))
    check("s3_prefix", check_prefix)
    check("s3_access_key_id", lambda v: _credential(v, "access key id", 128))
    secret = str(form.get("s3_secret_access_key") or "")
    if secret or not stored_secret:
        check("s3_secret_access_key", lambda v: _credential(v, "secret access key", 256))
    if problems:
        return None, problems
    return S3TargetSpec(
        endpoint_url=values["s3_endpoint_url"],
        region=values["s3_region"],
        bucket=values["s3_bucket"],
        key_prefix=values["s3_prefix"],
        access_key_id=values["s3_access_key_id"],
        secret_access_key=values.get("s3_secret_access_key", ""),
    ), {}
