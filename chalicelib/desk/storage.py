"""Objects in the mail bucket: raw mail (written by SES), attachments and oversized bodies."""

from __future__ import annotations

from chalicelib.aws import client
from chalicelib.config import settings


def put_object(key: str, body: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=settings().mail_bucket, Key=key, Body=body, ContentType=content_type)


def get_object(key: str) -> bytes:
    return client("s3").get_object(Bucket=settings().mail_bucket, Key=key)["Body"].read()
