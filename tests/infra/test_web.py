"""The app is served at the root of https://<web_domain>/, where its root-relative links work."""

from __future__ import annotations

from tests.infra.conftest import Synthesized
from tests.infra.test_stack import _only


def test_the_web_domain_maps_its_root_to_the_api_stage(synthesized: Synthesized):
    cert_id, cert = _only(synthesized.resources("AWS::CertificateManager::Certificate"))
    assert cert["Properties"]["DomainName"] == "help.example.com"
    assert cert["Properties"]["ValidationMethod"] == "DNS"
    domain_id, domain = _only(synthesized.resources("AWS::ApiGateway::DomainName"))
    assert domain["Properties"]["DomainName"] == "help.example.com"
    assert domain["Properties"]["RegionalCertificateArn"] == {"Ref": cert_id}
    assert domain["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert domain["Properties"]["SecurityPolicy"] == "TLS_1_2"
    _, mapping = _only(synthesized.resources("AWS::ApiGateway::BasePathMapping"))
    assert mapping["Properties"] == {
        # No BasePath: `/login` on the domain is `/login` of the app, not `/api/login`.
        "DomainName": {"Ref": domain_id},
        "RestApiId": {"Ref": "RestAPI"},
        "Stage": {"Ref": "RestAPI.Stage"},  # SAM's reference: mapped only once the stage exists
    }


def test_the_default_endpoint_that_breaks_every_link_is_off(synthesized: Synthesized):
    api = synthesized.template["Resources"]["RestAPI"]["Properties"]
    assert api["DisableExecuteApiEndpoint"] is True
    assert api["EndpointConfiguration"] == "REGIONAL"  # a regional domain maps a regional API


def test_outputs_give_the_desk_url_and_the_dns_record_to_publish(synthesized: Synthesized):
    outputs = synthesized.template["Outputs"]
    assert outputs["EndpointURL"]["Value"] == "https://help.example.com/"
    domain_id, _ = _only(synthesized.resources("AWS::ApiGateway::DomainName"))
    assert outputs["WebDomainRecord"]["Value"] == {
        "Fn::Join": ["", ["help.example.com CNAME ", {"Fn::GetAtt": [domain_id, "RegionalDomainName"]}]]
    }
    assert outputs["WebDomainAliasZone"]["Value"] == {"Fn::GetAtt": [domain_id, "RegionalHostedZoneId"]}
