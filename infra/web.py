"""The desk's web address: `https://<web_domain>/` serves the API stage at its root.

Every link, form action and redirect the app makes is root-relative (`/login`, `/static/…`,
`/t/<token>`), and API Gateway's own URL puts the stage in front (`…amazonaws.com/api/`), where
they all break. A custom domain whose one base path mapping is the root fixes that without
touching the app; the default endpoint is switched off, so the address that breaks serves nothing.
The certificate is validated by DNS: the deployment waits until the CNAME that ACM asks for is
published (docs/DEPLOY.md).
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Fn, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct


class WebDomain(Construct):
    """ACM certificate, regional custom domain (TLS 1.2) and the root mapping to the API's stage."""

    def __init__(
        self, scope: Construct, construct_id: str, *, domain_name: str, rest_api: CfnResource
    ) -> None:
        """`rest_api`: chalice's `AWS::Serverless::Api`, which must be REGIONAL like the domain."""
        super().__init__(scope, construct_id)
        certificate = acm.Certificate(
            self, "Certificate", domain_name=domain_name, validation=acm.CertificateValidation.from_dns()
        )
        self.domain = apigateway.CfnDomainName(
            self,
            "Domain",
            domain_name=domain_name,
            regional_certificate_arn=certificate.certificate_arn,
            endpoint_configuration=apigateway.CfnDomainName.EndpointConfigurationProperty(types=["REGIONAL"]),
            security_policy="TLS_1_2",
        )
        root = apigateway.CfnBasePathMapping(
            self,
            "Root",  # no base path: the root of the domain is the root of the app
            domain_name=self.domain.ref,
            rest_api_id=rest_api.ref,
            # SAM's reference to the stage it generates: a plain "api" could be mapped before the
            # stage exists ("Invalid stage identifier", aws/chalice#2003).
            stage=Fn.ref(f"{rest_api.node.id}.Stage"),
        )
        Validations.of(root).acknowledge(
            Acknowledgment(
                id="CloudFormation-Validate::F1020",
                reason="`<api>.Stage` is a reference the SAM transform resolves to the stage it "
                "generates; the validator reads the template before the transform.",
            )
        )
        rest_api.add_property_override("DisableExecuteApiEndpoint", True)

    @property
    def target(self) -> str:
        """The name the web domain's CNAME (or Route 53 alias) points at."""
        return self.domain.attr_regional_domain_name

    @property
    def hosted_zone_id(self) -> str:
        """The zone of `target`, for a Route 53 alias record."""
        return self.domain.attr_regional_hosted_zone_id
