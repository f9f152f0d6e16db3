"""The customers' routes apart from the agents': own function and role, own throttles, no traces."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from infra.routes import public_routes, routes
from tests.infra.conftest import Synthesized
from tests.infra.test_stack import _as_list, _policy_of, _role_id, _text

INTEGRATION = "x-amazon-apigateway-integration"


def _integration_target(synth: Synthesized, path: str, method: str) -> str:
    """The logical id of the function a route's Lambda proxy integration invokes."""
    body = synth.template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    uri: Any = body["paths"][path][method.lower()][INTEGRATION]["uri"]["Fn::Sub"]
    if isinstance(uri, str):  # chalice's own: `${APIHandler.Arn}` inline
        return uri.split("/functions/${", 1)[1].split(".Arn}", 1)[0]
    template, values = uri
    assert "/functions/${Function}/invocations" in template
    return values["Function"]["Fn::GetAtt"][0]


def test_each_public_route_is_served_by_the_public_function(synthesized: Synthesized):
    public = {(r.path, r.method) for r in public_routes()}
    assert ("/t/{token}", "GET") in public and ("/help", "GET") in public
    for route in routes():
        expected = "PublicHandler" if (route.path, route.method) in public else "APIHandler"
        assert _integration_target(synthesized, route.path, route.method) == expected, route
    functions = synthesized.resources("AWS::Serverless::Function")
    # The same package and handler: only the role (and the routes it is sent) differ.
    for key in ("CodeUri", "Handler", "Runtime", "MemorySize", "Timeout", "Tracing"):
        assert functions["PublicHandler"]["Properties"][key] == functions["APIHandler"]["Properties"][key]
    assert _role_id(functions["PublicHandler"]) != _role_id(functions["APIHandler"])
    permission = next(
        p["Properties"]
        for p in synthesized.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Ref": "PublicHandler"}
    )
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"][1] == {"Api": {"Ref": "RestAPI"}}


def test_public_function_cannot_create_users(synthesized: Synthesized):
    functions = synthesized.resources("AWS::Serverless::Function")
    statements = _policy_of(synthesized, _role_id(functions["PublicHandler"]))
    actions = {action for s in statements for action in _as_list(s["Action"])}
    assert not {a for a in actions if a.startswith("cognito-idp:")}
    assert "ses:VerifyDomainIdentity" not in actions
    tables = _text(next(s for s in statements if s["Sid"] == "Tables")["Resource"])
    # Never a write to the agents (roles, teams): nothing an anonymous caller could promote itself in.
    # Tags it writes: the rules tag a new ticket in its creating write, whatever its channel.
    assert "TablesAgents" not in tables and "TablesTags" in tables
    assert "TablesTickets" in tables and "TablesContacts" in tables
    # The agents' function still does what admins need.
    api = {s["Sid"] for s in _policy_of(synthesized, _role_id(functions["APIHandler"]))}
    assert "ManageAgents" in api


def test_public_routes_cannot_exhaust_the_agent_throttle(synthesized: Synthesized):
    settings = synthesized.template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    default, *overrides = settings
    assert (default["ResourcePath"], default["HttpMethod"]) == ("/*", "*")
    by_method = {(s["ResourcePath"], s["HttpMethod"]): s for s in overrides}
    assert by_method[("/~1t~1{token}~1reply", "POST")]["ThrottlingRateLimit"] == 5  # each `/` as ~1
    public = public_routes()
    # Every public method has its own bucket, lower than each agent method's; no agent method is overridden.
    assert set(by_method) == {(r.resource_path, r.method) for r in public}
    for setting in overrides:
        assert setting["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]
        assert setting["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"]
    # However a loop spreads over the public pages, all of them together stay near the one
    # default that every agent method keeps for itself (API Gateway throttles each method apart).
    total = sum(s["ThrottlingRateLimit"] for s in overrides)
    assert total <= 3 * default["ThrottlingRateLimit"], total


def test_tokens_do_not_reach_xray_traces(synthesized: Synthesized):
    api = synthesized.template["Resources"]["RestAPI"]["Properties"]
    assert api["TracingEnabled"] is True  # the agents' routes stay traced
    rules = [
        r["Properties"]["SamplingRule"] for r in synthesized.resources("AWS::XRay::SamplingRule").values()
    ]
    for rule in rules:
        assert (rule["FixedRate"], rule["ReservoirSize"]) == (0, 0)
        assert rule["Priority"] < 10000  # before X-Ray's default rule
        assert (rule["ServiceName"], rule["ServiceType"]) == ("helpdesk/api", "AWS::ApiGateway::Stage")
        assert rule["ResourceARN"]["Fn::Sub"][0].endswith("/restapis/${Api}/stages/${Stage}")
        # This stage only, not every API of the account.
        assert rule["ResourceARN"]["Fn::Sub"][1] == {"Api": {"Ref": "RestAPI"}, "Stage": "api"}
        assert (rule["Host"], rule["HTTPMethod"]) == ("*", "*")
        assert len(rule["RuleName"]) <= 32 and rule["RuleName"].startswith("helpdesk-test-")

    def untraced(path: str) -> bool:
        return any(fnmatchcase(path, rule["URLPath"]) for rule in rules)

    token = "42.abc.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    with_token = [r.path.replace("{token}", token) for r in public_routes() if "{token}" in r.path]
    assert len(with_token) >= 5
    for path in with_token:
        concrete = path.replace("{rating}", "good")
        assert untraced(concrete) and untraced(f"/api{concrete}"), path
    for path in ("/help", "/support", "/login", "/tickets/42", "/queues/mine", "/"):
        assert not untraced(path), path
