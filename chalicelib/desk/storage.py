"""Objects in the mail bucket: raw mail (written by SES), attachments and oversized bodies."""

from __future__ import annotations

from urllib.parse import quote

from chalicelib.aws import client
from chalicelib.config import settings


def put_object(key: str, body: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=settings().mail_bucket, Key=key, Body=body, ContentType=content_type)


def get_object(key: str) -> bytes:
    return client("s3").get_object(Bucket=settings().mail_bucket, Key=key)["Body"].read()


def presigned_get(key: str, filename: str, content_type: str, expires_in: int = 60) -> str:
    """A short-lived download link: the browser fetches the object from S3, never through Lambda."""
    plain = filename.encode("ascii", "replace").decode().replace("\\", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings().mail_bucket,
            "Key": key,
            "ResponseContentDisposition": disposition,
            "ResponseContentType": content_type,
        },
        ExpiresIn=expires_in,
    )
