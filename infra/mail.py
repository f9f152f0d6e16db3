"""Mail in and out: the mail bucket, SES sending identities with DKIM, and the receipt rules.

SES writes raw mail to `inbound/` before any code of ours runs (raw mail is never lost), then
invokes the inbound function asynchronously. The bucket accepts that write from SES of this
account and this rule set only.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from chalicelib.desk.base.storage import INBOUND_PREFIX, UPLOADS_PREFIX
from chalicelib.desk.intake.request_form import UPLOAD_CORS_MAX_AGE_SECONDS, UPLOAD_CORS_METHODS

UPLOADS_EXPIRE_DAYS = 1


class MailBucket(Construct):
    """Raw mail, attachments and oversized bodies; private, SSE-S3, TLS only, access-logged."""

    def __init__(
        self, scope: Construct, construct_id: str, *, prefix: str, retention_days: int, upload_origin: str
    ) -> None:
        """`upload_origin`: the origin (`https://<web_domain>`) of the pages that upload request-form
        files, the only one the bucket's CORS rule allows."""
        super().__init__(scope, construct_id)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        NagSuppressions.add_resource_suppressions(
            self.access_logs,
            [NagPackSuppression(id="AwsSolutions-S1", reason="The access-log bucket cannot log to itself.")],
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=f"{prefix}mail-{Aws.ACCOUNT_ID}-{Aws.REGION}",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            # SSE-S3, not KMS: SES can write to it without a key policy, and it costs nothing.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="mail/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="raw-mail-retention",
                    prefix=INBOUND_PREFIX,
                    expiration=Duration.days(retention_days),
                ),
                s3.LifecycleRule(
                    id="abort-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)
                ),
                s3.LifecycleRule(
                    id="abandoned-form-uploads",
                    prefix=UPLOADS_PREFIX,
                    expiration=Duration.days(UPLOADS_EXPIRE_DAYS),
                ),
            ],
            # Presigned POSTs from the request form; the signed policy, not CORS, is what authorises.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods(method) for method in UPLOAD_CORS_METHODS],
                    allowed_origins=[upload_origin],
                    max_age=UPLOAD_CORS_MAX_AGE_SECONDS,
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def allow_ses_inbound(self, rule_set_name: str) -> iam.PolicyStatement:
        """Only SES, for this account and this rule set, may write raw mail, and only under inbound/."""
        statement = iam.PolicyStatement(
            sid="AllowSesInboundOnly",
            principals=[iam.ServicePrincipal("ses.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[self.bucket.arn_for_objects(f"{INBOUND_PREFIX}*")],
            conditions={
                "StringEquals": {"AWS:SourceAccount": Aws.ACCOUNT_ID},
                "ArnLike": {
                    "AWS:SourceArn": (
                        f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                        f"receipt-rule-set/{rule_set_name}:receipt-rule/*"
                    )
                },
            },
        )
        self.bucket.add_to_resource_policy(statement)
        return statement


class SendingIdentities(Construct):
    """One SES domain identity per mail domain, Easy DKIM (2048-bit), and the configuration set."""

    def __init__(
        self, scope: Construct, construct_id: str, *, prefix: str, domains: tuple[str, ...], outbound_tls: str
    ) -> None:
        """`outbound_tls`: "optional" (the default) delivers to a customer's server that cannot do TLS
        in plain text rather than bouncing the reply; "require" bounces it instead."""
        super().__init__(scope, construct_id)
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=f"{prefix}mail",
            reputation_metrics=True,
            sending_enabled=True,
            tls_policy=ses.ConfigurationSetTlsPolicy[outbound_tls.upper()],
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.identities: dict[str, ses.EmailIdentity] = {
            domain: ses.EmailIdentity(
                self,
                f"Identity{index}",
                identity=ses.Identity.domain(domain),
                configuration_set=self.configuration_set,
                dkim_signing=True,
                dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
                mail_from_domain=None,
            )
            for index, domain in enumerate(domains)
        }

    def identity_arns(self) -> list[str]:
        return [
            f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:identity/{domain}"
            for domain in self.identities
        ]

    @property
    def configuration_set_arn(self) -> str:
        return (
            f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:configuration-set/"
            f"{self.configuration_set.configuration_set_name}"
        )


class ReceiptRules(Construct):
    """One rule per mail domain: S3 action (inbound/), then the inbound function, scan on, TLS required.

    CloudFormation cannot activate a rule set (one is active per account and region); the guide
    does it with `aws ses set-active-receipt-rule-set` after the first deploy.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rule_set_name: str,
        domains: tuple[str, ...],
        mail: MailBucket,
        inbound_function_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule_set = ses.CfnReceiptRuleSet(self, "RuleSet", rule_set_name=rule_set_name)
        permission = lambda_.CfnPermission(
            self,
            "SesInvoke",
            action="lambda:InvokeFunction",
            function_name=inbound_function_arn,
            principal="ses.amazonaws.com",
            source_account=Aws.ACCOUNT_ID,
            source_arn=(
                f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                f"receipt-rule-set/{rule_set_name}:receipt-rule/*"
            ),
        )
        policy = mail.bucket.policy
        previous: ses.CfnReceiptRule | None = None
        for index, domain in enumerate(domains):
            rule = ses.CfnReceiptRule(
                self,
                f"Rule{index}",
                rule_set_name=rule_set_name,
                after=previous.ref if previous else None,  # rules are evaluated in order
                rule=ses.CfnReceiptRule.RuleProperty(
                    name=f"{rule_set_name}-{domain.replace('.', '-')}",
                    enabled=True,
                    recipients=[domain],
                    scan_enabled=True,
                    tls_policy="Require",
                    actions=[
                        ses.CfnReceiptRule.ActionProperty(
                            s3_action=ses.CfnReceiptRule.S3ActionProperty(
                                bucket_name=mail.bucket.bucket_name, object_key_prefix=INBOUND_PREFIX
                            )
                        ),
                        ses.CfnReceiptRule.ActionProperty(
                            lambda_action=ses.CfnReceiptRule.LambdaActionProperty(
                                function_arn=inbound_function_arn, invocation_type="Event"
                            )
                        ),
                    ],
                ),
            )
            # SES checks both grants when the rule is created.
            rule.node.add_dependency(self.rule_set, permission)
            if policy is not None:
                rule.node.add_dependency(policy)
            previous = rule
