"""State kept across restarts: moto holds everything in memory, so save it to disk and load it back.

Layout under the state dir: `dynamodb/<table>.json` (every item, low-level DynamoDB JSON, binary
values base64), `s3/<key>` (each object of the mail bucket, byte for byte), `s3-index.json`
(ETag, Content-Type and user metadata per key) and `signing-key` (the SSM parameter's value).
Saving is incremental: only after the embedded AWS saw a write, only tables whose content changed,
only objects whose ETag changed. Scan is fine here: this is the local runtime, never a request
path. Cognito is not saved (a new pool each start).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from local.aws import WriteCounter
from local.files import write_atomically

log = logging.getLogger("local.state")
_BATCH = 25


def _map_binary(value: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    """Apply `convert` to every B and BS value inside one attribute value."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": convert(inner)}
    if kind == "BS":
        return {"BS": [convert(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _map_binary(v, convert) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_map_binary(v, convert) for v in inner]}
    return value


def _to_json(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _map_binary(v, lambda b: base64.b64encode(b).decode()) for k, v in item.items()}


def _from_json(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _map_binary(v, base64.b64decode) for k, v in item.items()}


def kept_signing_key(root: Path, make: Callable[[], str]) -> str:
    """The local signing key, kept in `<state dir>/signing-key` (moto's SSM is not saved), so links
    mailed before a restart still open; made with `make` on the first start."""
    path = root / "signing-key"
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    key = make()
    write_atomically(path, key.encode("ascii"))
    path.chmod(0o600)
    return key


class StateStore:
    def __init__(self, root: Path, bucket: str, writes: WriteCounter) -> None:
        self._tables_dir = root / "dynamodb"
        self._objects_dir = root / "s3"
        self._index_path = root / "s3-index.json"
        self._bucket = bucket
        self._writes = writes
        self._saved_at = -1
        self._table_digests: dict[str, str] = {}
        self._index: dict[str, dict[str, Any]] = {}
        self._dynamodb = boto3.client("dynamodb")
        self._s3 = boto3.client("s3")

    def restore(self) -> None:
        """Load what the last run saved into the (freshly provisioned) tables and bucket."""
        existing = set(self._table_names())
        for path in sorted(self._tables_dir.glob("*.json")):
            data = path.read_bytes()
            self._table_digests[path.stem] = hashlib.sha256(data).hexdigest()
            if path.stem not in existing:
                log.warning("saved table %s is no longer provisioned; not restored", path.stem)
                continue
            self._put_items(path.stem, json.loads(data)["items"])
        if self._index_path.exists():
            self._index = json.loads(self._index_path.read_bytes())
        for key, meta in list(self._index.items()):
            path = self._object_path(key)
            if not path.is_file():
                log.warning("saved S3 object %s is missing from %s; not restored", key, path)
                del self._index[key]
                continue
            extra = {"ContentType": meta["content_type"]} if meta.get("content_type") else {}
            self._s3.put_object(
                Bucket=self._bucket, Key=key, Body=path.read_bytes(), Metadata=meta["metadata"], **extra
            )
        self._saved_at = self._writes.value

    def save_if_changed(self) -> None:
        if self._writes.value != self._saved_at:
            self.save()

    def save(self) -> None:
        """Write every changed table and object; a write seen meanwhile triggers the next save."""
        self._saved_at = self._writes.value
        for table in self._table_names():
            self._save_table(table)
        self._save_objects()

    def _table_names(self) -> list[str]:
        return self._dynamodb.get_paginator("list_tables").paginate().build_full_result()["TableNames"]

    def _put_items(self, table: str, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), _BATCH):
            requests = {
                table: [{"PutRequest": {"Item": _from_json(i)}} for i in items[start : start + _BATCH]]
            }
            while requests:
                requests = self._dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems")

    def _save_table(self, table: str) -> None:
        pages = self._dynamodb.get_paginator("scan").paginate(TableName=table)
        items = [_to_json(item) for page in pages for item in page["Items"]]
        data = json.dumps({"table": table, "items": items}, indent=1, sort_keys=True).encode()
        digest = hashlib.sha256(data).hexdigest()
        if self._table_digests.get(table) != digest:
            write_atomically(self._tables_dir / f"{table}.json", data)
            self._table_digests[table] = digest

    def _save_objects(self) -> None:
        listed: dict[str, str] = {}
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket):
            listed |= {o["Key"]: o["ETag"] for o in page.get("Contents", [])}
        changed = False
        for key, etag in listed.items():
            if self._index.get(key, {}).get("etag") == etag or not self._is_safe(key):
                continue
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
            write_atomically(self._object_path(key), response["Body"].read())
            self._index[key] = {
                "etag": etag,
                "content_type": response.get("ContentType"),
                "metadata": response.get("Metadata", {}),
            }
            changed = True
        for key in set(self._index) - set(listed):
            self._object_path(key).unlink(missing_ok=True)
            del self._index[key]
            changed = True
        if changed:
            write_atomically(self._index_path, json.dumps(self._index, indent=1, sort_keys=True).encode())

    def _object_path(self, key: str) -> Path:
        return self._objects_dir / key

    def _is_safe(self, key: str) -> bool:
        """Keys become paths: refuse any that would leave the directory or name a directory."""
        root = self._objects_dir.resolve()
        if key.endswith("/") or not self._object_path(key).resolve().is_relative_to(root):
            log.warning("not saving S3 object %r: its key is not a safe file name", key)
            return False
        return True
