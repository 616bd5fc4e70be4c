"""The S3 adapter: put one report file into an S3-compatible bucket with boto3.

The object carries the report's media type, a SHA-256 checksum the server verifies on receipt
(``ChecksumSHA256``) and the hex digest in its metadata (``x-amz-meta-sha256``), so whoever
reads the bucket can check the file against the run log.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.reports.build import ReportFile

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60


class S3UploadError(RuntimeError):
    """The bucket did not take the file (unreachable, refused credentials, no such bucket)."""


@dataclass(frozen=True)
class S3Target:
    """Where and as whom to upload (the secret already decrypted)."""

    endpoint_url: str
    region: str
    bucket: str
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True)
class S3Receipt:
    """What the bucket confirmed: the object's URI and the SHA-256 it holds."""

    uri: str
    sha256: str


def s3_client(target: S3Target) -> Any:
    """A boto3 S3 client for ``target`` (path-style addressing on a custom endpoint)."""
    style = "path" if target.endpoint_url else "auto"
    return boto3.client(
        "s3",
        endpoint_url=target.endpoint_url or None,
        region_name=target.region,
        aws_access_key_id=target.access_key_id,
        aws_secret_access_key=target.secret_access_key,
        config=Config(
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": style},
        ),
    )


def upload_report(
    target: S3Target, key: str, report: ReportFile, metadata: dict[str, str]
) -> S3Receipt:
    """Put ``report`` at ``key``; :class:`S3UploadError` saying why when the bucket refuses."""
    uri = f"s3://{target.bucket}/{key}"
    checksum = base64.b64encode(bytes.fromhex(report.sha256)).decode("ascii")
    try:
        s3_client(target).put_object(
            Bucket=target.bucket,
            Key=key,
            Body=report.content,
            ContentType=report.media_type,
            ChecksumSHA256=checksum,
            Metadata={"sha256": report.sha256, **metadata},
        )
    except (BotoCoreError, ClientError) as error:
        raise S3UploadError(f"S3 upload to {uri} failed: {error}") from error
    return S3Receipt(uri, report.sha256)
