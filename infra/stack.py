"""The help desk stack: every resource of one stage, composed from the modules beside this one."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from infra.api import ApiStage
from infra.auth import AgentDirectory
from infra.functions import HANDLER_TIMEOUT, LOG_RETENTION, Functions, Resources
from infra.mail import MailBucket, ReceiptRules, SendingIdentities
from infra.monitoring import Monitoring
from infra.queues import Queues
from infra.settings import DeploySettings
from infra.tables import Tables
from infra.timer import FollowUpTimer, SlaTimer
from infra.web import WebDomain
from infra.webhooks import WebhookQueues


class HelpdeskStack(Stack):
    """The stack id is the stage, which is also the Chalice stage `chalice package` uses."""

    def __init__(self, scope: Construct, settings: DeploySettings, *, package_dir: Path) -> None:
        super().__init__(
            scope,
            settings.stage,
            stack_name=f"helpdesk-{settings.stage}",
            description=f"Serverless help desk, stage {settings.stage}",
        )
        Tags.of(self).add("app", "helpdesk")
        Tags.of(self).add("stage", settings.stage)
        prefix = settings.prefix
        rule_set_name = f"{prefix}inbound"
        tables = Tables(self, "Tables", prefix=prefix)
        mail = MailBucket(
            self,
            "Mail",
            prefix=prefix,
            retention_days=settings.raw_mail_retention_days,
            upload_origin=settings.public_url,
        )
        mail.allow_ses_inbound(rule_set_name)
        identities = SendingIdentities(
            self, "Sending", prefix=prefix, domains=settings.mail_domains, outbound_tls=settings.outbound_tls
        )
        queues = Queues(self, "Queues", handler_timeout=HANDLER_TIMEOUT)
        timer = SlaTimer(
            self, "SlaTimer", prefix=prefix, tickets=tables.by_name["tickets"], queue=queues.sla_events
        )
        follow_up_timer = FollowUpTimer(self, "FollowUpTimer", prefix=prefix, queue=queues.sla_events)
        agents = AgentDirectory(self, "Agents", prefix=prefix)
        webhooks = WebhookQueues(self, "Webhooks")
        res = Resources(
            tables=tables,
            mail=mail,
            identities=identities,
            queues=queues,
            timer=timer,
            follow_up_timer=follow_up_timer,
            agents=agents,
            webhooks=webhooks,
        )
        functions = Functions(self, "Functions", settings=settings, res=res, package_dir=package_dir)
        ApiStage(self, "Api", prefix=prefix, rest_api=functions.rest_api, retention=LOG_RETENTION)
        web = WebDomain(self, "Web", domain_name=settings.web_domain, rest_api=functions.rest_api)
        ReceiptRules(
            self,
            "Receiving",
            rule_set_name=rule_set_name,
            domains=settings.mail_domains,
            mail=mail,
            inbound_function_arn=functions.function("inbound_email").function_arn,
        )
        Monitoring(
            self, "Monitoring", settings=settings, functions=functions, queues=queues, webhooks=webhooks
        )
        # chalice's EndpointURL names the default endpoint, which is switched off: the desk's URL.
        functions.chalice.sam_template.get_output("EndpointURL").value = f"{settings.public_url}/"
        self._outputs(settings, rule_set_name, res, web)

    def _outputs(self, settings: DeploySettings, rule_set_name: str, res: Resources, web: WebDomain) -> None:
        """What the deployment guide asks for: DNS records to publish, names to pass to the CLI."""
        CfnOutput(
            self,
            "WebDomainRecord",
            description="CNAME (or Route 53 alias) of the web domain",
            value=f"{settings.web_domain} CNAME {web.target}",
        )
        CfnOutput(
            self,
            "WebDomainAliasZone",
            description="hosted zone for a Route 53 alias",
            value=web.hosted_zone_id,
        )
        CfnOutput(self, "ReceiptRuleSet", value=rule_set_name)
        CfnOutput(self, "MailBucket", value=res.mail.bucket.bucket_name)
        CfnOutput(self, "UserPoolId", value=res.agents.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=res.agents.client.user_pool_client_id)
        for index, (domain, identity) in enumerate(res.identities.identities.items()):
            for number, record in enumerate(identity.dkim_records, start=1):
                CfnOutput(
                    self,
                    f"Dkim{index}Record{number}",
                    description=f"DKIM CNAME for {domain}",
                    value=f"{record.name} CNAME {record.value}",
                )
