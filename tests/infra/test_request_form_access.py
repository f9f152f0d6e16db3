"""The request form's share of the infrastructure: upload CORS and expiry, the public function's S3 grants."""

from __future__ import annotations

from tests.infra.conftest import Synthesized
from tests.infra.test_stack import _as_list, _policy_of, _role_id


def test_mail_bucket_accepts_browser_uploads_and_expires_abandoned_ones(synthesized: Synthesized):
    buckets = synthesized.resources("AWS::S3::Bucket")
    props = next(b for k, b in buckets.items() if k.startswith("MailBucket"))["Properties"]
    assert props["CorsConfiguration"] == {
        # Only the desk's own pages: the web domain is known before the API exists.
        "CorsRules": [
            {"AllowedMethods": ["POST"], "AllowedOrigins": ["https://help.example.com"], "MaxAge": 3600}
        ]
    }
    rules = {rule.get("Id"): rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["abandoned-form-uploads"]["Prefix"] == "uploads/"
    assert rules["abandoned-form-uploads"]["ExpirationInDays"] == 1
    assert rules["raw-mail-retention"]["Prefix"] == "inbound/"  # not widened by the new rule


def test_only_the_public_function_signs_uploads_claims_them_and_keeps_submissions(synthesized: Synthesized):
    functions = synthesized.resources("AWS::Serverless::Function")

    def prefixes(logical_id: str, sid: str) -> set[str]:
        statements = {s["Sid"]: s for s in _policy_of(synthesized, _role_id(functions[logical_id]))}
        if sid not in statements:
            return set()
        assert _as_list(statements[sid]["Action"]) == [
            "s3:PutObject" if sid == "WriteMail" else "s3:GetObject"
        ]
        return {r["Fn::Join"][1][1] for r in _as_list(statements[sid]["Resource"])}

    assert {"/uploads/*", "/forms/*", "/attachments/*"} <= prefixes("PublicHandler", "WriteMail")
    assert prefixes("PublicHandler", "ReadMail") == {"/uploads/*"}  # HEAD and copy source
    # The agents' function reads raw mail and kept submissions only to sign "Original" downloads;
    # only SES writes inbound/, only the form writes forms/.
    assert {"/inbound/*", "/forms/*"} <= prefixes("APIHandler", "ReadMail")
    assert not prefixes("APIHandler", "WriteMail") & {"/inbound/*", "/forms/*", "/uploads/*"}
    for other in ("InboundEmail", "SlaEvents", "DailyDigest", "AutoClose", "WebhookDeliveries"):
        granted = prefixes(other, "ReadMail") | prefixes(other, "WriteMail")
        assert not granted & {"/uploads/*", "/forms/*"}, other
