"""Objects in the mail bucket: raw mail (written by SES), attachments, oversized bodies, and the
request form's submissions and browser uploads. The key prefixes are named here once; infra/
grants and expires by them."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from chalicelib.aws import client
from chalicelib.config import settings

INBOUND_PREFIX = "inbound/"  # where SES's S3 action stores raw mail; the only prefix that expires
ATTACHMENTS_PREFIX = "attachments/"  # every message's files, whichever channel brought them
BODIES_PREFIX = "bodies/"  # bodies too large for their message item
UPLOADS_PREFIX = "uploads/"  # browser uploads; the bucket expires what no request claimed after a day
FORMS_PREFIX = "forms/"  # each request-form submission as received (JSON), like raw mail under inbound/
UPLOAD_PROBE = f"{UPLOADS_PREFIX}origin-probe"
PREVIEW_CHARS = 4000


def original_expires_at(key: str, received_at: datetime, retention_days: int) -> datetime | None:
    """When the bucket's lifecycle rule may delete a message's original (None: it is kept).

    S3 counts the days from the object's creation and rounds up to the next midnight UTC (the
    message is recorded seconds after SES stored the mail; a download still checks the object,
    since S3 deletes when it gets to it). Only raw mail expires: the form's submissions (forms/) stay.
    """
    if retention_days <= 0 or not key.startswith(INBOUND_PREFIX):
        return None
    due = received_at + timedelta(days=retention_days)
    midnight = datetime.combine(due.date(), time(), tzinfo=due.tzinfo)
    return midnight if midnight == due else midnight + timedelta(days=1)


def blob_prefix(identity: str) -> str:
    """The S3 key prefix of a message's bodies and files, derived from what identifies it, so a
    retried write overwrites rather than duplicates."""
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def attachment_key(prefix: str, position: int, filename: str) -> str:
    """Where a message's attachment lives, whichever channel (mail, web form) brought it."""
    return f"{ATTACHMENTS_PREFIX}{prefix}/{position}/{filename}"


def fit_bodies(
    text: str, html: str | None, visible: str, prefix: str
) -> tuple[str, str | None, str, str | None]:
    """The bodies a message item keeps, and the S3 key of the whole when they are too large for it
    (the item keeps a preview; the API reads the rest back)."""
    size = len(text.encode()) + len((html or "").encode()) + len(visible.encode())
    if size <= settings().inline_body_limit:
        return text, html, visible, None
    body_key = f"{BODIES_PREFIX}{prefix}.json"
    bodies = {"text": text, "html": html, "visible_text": visible}
    put_object(body_key, json.dumps(bodies).encode(), "application/json")
    return text[:PREVIEW_CHARS], None, visible[:PREVIEW_CHARS], body_key


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


def presigned_post(key: str, content_type: str, size: int, expires_in: int = 600) -> dict[str, Any]:
    """A browser upload straight to S3 (never through Lambda) of exactly this key, type and size:
    S3 refuses a POST whose object differs from the signed policy."""
    return client("s3").generate_presigned_post(
        Bucket=settings().mail_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )


@functools.cache
def bucket_origin() -> str:
    """The origin browsers reach the bucket at: request-form uploads post there and a mail's inline
    images load from there (the pages' CSP must allow it); signing only, no request."""
    parts = urlsplit(presigned_post(UPLOAD_PROBE, "text/plain", 1)["url"])
    return f"{parts.scheme}://{parts.netloc}"


def head_object(key: str) -> tuple[int, str] | None:
    """Size and content type of an object, or None when there is none (without s3:ListBucket, which
    the functions do not get, S3 answers 403 rather than 404 for a missing key)."""
    from botocore.exceptions import ClientError

    try:
        head = client("s3").head_object(Bucket=settings().mail_bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("403", "404", "NoSuchKey", "NotFound"):
            return None
        raise
    return head["ContentLength"], head.get("ContentType", "")


def copy_object(source: str, destination: str) -> None:
    """A server-side copy within the bucket (no bytes pass through Lambda)."""
    bucket = settings().mail_bucket
    client("s3").copy_object(Bucket=bucket, Key=destination, CopySource={"Bucket": bucket, "Key": source})
