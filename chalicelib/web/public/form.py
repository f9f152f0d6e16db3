"""The public request form: `/support` (the first mailbox) and `/support/<mailbox>` (by local part).

A plain HTML form that works without JavaScript; only attachments need the small script
(static/request-form.js), which asks `POST /support/uploads` for a presigned POST per file and
uploads it straight to S3. Every error re-renders the form with what was typed (and the files
already uploaded); nothing is lost.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from chalice import Blueprint, Response

from chalicelib.config import Mailbox
from chalicelib.desk.base import storage
from chalicelib.desk.base.errors import DeskError, InvalidRequest, TooMany
from chalicelib.desk.intake import request_form, web_requests
from chalicelib.desk.intake.request_form import RequestForm
from chalicelib.desk.setup import directory
from chalicelib.observability import logger
from chalicelib.web import params
from chalicelib.web.pages.routing import FORM_TYPES, form_pairs
from chalicelib.web.public.render import brand_stylesheet, guarded, public_page, source_ip

blueprint = Blueprint(__name__)
MAX_UPLOAD_REQUEST_BYTES = 4096


@blueprint.route("/brand.css", methods=["GET"])
def brand_css() -> Response:
    return brand_stylesheet()


@blueprint.route("/support", methods=["GET"])
def default_form() -> Response:
    return _guarded(lambda: _form_page(web_requests.mailbox_named(None), RequestForm()))


@blueprint.route("/support/{mailbox}", methods=["GET"])
def mailbox_form(mailbox: str) -> Response:
    return _guarded(lambda: _form_page(web_requests.mailbox_named(mailbox), RequestForm()))


@blueprint.route("/support", methods=["POST"], content_types=FORM_TYPES)
def submit_default() -> Response:
    return _guarded(lambda: _submit(web_requests.mailbox_named(None)))


@blueprint.route("/support/{mailbox}", methods=["POST"], content_types=FORM_TYPES)
def submit_mailbox(mailbox: str) -> Response:
    return _guarded(lambda: _submit(web_requests.mailbox_named(mailbox)))


@blueprint.route("/support/uploads", methods=["POST"], content_types=["application/json"])
def presign_upload() -> Response:
    """`{"token", "filename", "content_type", "size"}` → `{"url", "fields", "key", "filename"}`."""
    request = blueprint.current_request
    try:
        body = _json_body(params.raw_body(request))
        post = web_requests.presign_upload(
            str(body.get("token", "")), str(body.get("filename", "")), body["size"], source_ip(request)
        )
    except DeskError as error:
        return _json(error.status, {"error": error.code, "message": error.message})
    return _json(200, post)


def _submit(mailbox: Mailbox) -> Response:
    request = blueprint.current_request
    form = request_form.read_form(form_pairs(params.raw_body(request)))
    if form.honeypot:
        logger.info("request form honeypot filled", extra={"source_ip": source_ip(request)})
        return public_page("public/request_received.html", number=None, email=form.email)
    try:
        owner = request_form.form_id(form.token)
    except InvalidRequest as error:
        # A stale or forged token: a fresh form, with the text kept (uploads belonged to the old one).
        fresh = replace(form, token=request_form.issue_token(), attachments=())
        return _form_page(mailbox, fresh, {"form": error.message}, status=400)
    errors = request_form.validate(form, directory.directory().own_addresses)
    if errors:
        return _form_page(mailbox, form, errors, owner=owner, status=400)
    try:
        agent = request.headers.get("user-agent", "")
        submitted = web_requests.submit(form, mailbox, source_ip(request), agent)
    except TooMany as error:
        return _form_page(mailbox, form, {"form": error.message}, owner=owner, status=429)
    except InvalidRequest as error:
        field = str(error.details.get("field", "form"))
        kept = tuple(key for key in form.attachments if key != error.details.get("key"))
        return _form_page(
            mailbox, replace(form, attachments=kept), {field: error.message}, owner=owner, status=400
        )
    return public_page("public/request_received.html", number=submitted.number, email=form.email.lower())


def _form_page(
    mailbox: Mailbox,
    form: RequestForm,
    errors: dict[str, str] | None = None,
    owner: str = "",
    status: int = 200,
) -> Response:
    token = form.token or request_form.issue_token()
    files = [(key, name) for key in form.attachments if (name := request_form.uploaded_filename(key, owner))]
    return public_page(
        "public/request.html",
        status,
        connect_to=storage.bucket_origin(),
        mailbox=mailbox,
        action=f"/support/{mailbox.local_part}",
        token=token,
        values=form.values,
        errors=errors or {},
        files=files,
        limits={
            "max_files": request_form.MAX_FILES,
            "max_file_mb": request_form.MAX_FILE_BYTES // (1024 * 1024),
            "max_total_mb": request_form.MAX_TOTAL_BYTES // (1024 * 1024),
            "accept": ",".join(sorted(request_form.ALLOWED_TYPES)),
        },
    )


def _guarded(view: Any) -> Response:
    return guarded(view, blueprint.current_request.path)


def _json_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw) if len(raw) <= MAX_UPLOAD_REQUEST_BYTES else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("size"), int):
        raise InvalidRequest("expected JSON {token, filename, content_type, size}")
    return body


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(
        body=json.dumps(body),
        status_code=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )
