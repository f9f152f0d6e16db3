"""Cognito: the agents' user pool, the web app's client and the role groups.

Agents are invited by an admin (AdminCreateUser in chalicelib.desk.setup.admin) with a temporary
password they must replace at first sign-in, never sign themselves up. The client has no secret and
allows USER_PASSWORD_AUTH because the API signs agents in server-side with InitiateAuth.

The app matches agents on the user's `sub` and a verified address (chalicelib.web.auth). The
address stays out of users' hands anyway: the client cannot write it, and a change made another way
takes effect only once the new address is verified (keep_original). MFA is optional, TOTP only: an
agent turns it on from the app (/account/security).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

# One group per role the agents table knows (agent, lead, admin). The app never reads them (an agent's
# role is its row's): they are for whoever manages the pool, e.g. a policy or a console filter by role.
GROUPS = ("admins", "agents", "leads")


class AgentDirectory(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"{prefix}agents",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "WebApp",
            user_pool_client_name=f"{prefix}web",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True),
            read_attributes=cognito.ClientAttributes().with_standard_attributes(
                email=True, email_verified=True, fullname=True
            ),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(8),
            access_token_validity=Duration.hours(8),
            refresh_token_validity=Duration.days(30),
        )
        for name in GROUPS:
            cognito.CfnUserPoolGroup(
                self, f"Group{name.title()}", user_pool_id=self.user_pool.user_pool_id, group_name=name
            )
        NagSuppressions.add_resource_suppressions(
            self.user_pool,
            [
                NagPackSuppression(
                    id="AwsSolutions-COG2",
                    reason="MFA is optional (TOTP): agents turn it on in the app; requiring it would "
                    "lock out every agent invited before they enrol an authenticator.",
                ),
                *(
                    NagPackSuppression(
                        id=rule,
                        reason="Threat protection (advanced security) needs the Plus plan, billed per "
                        "monthly active user; Essentials is free for the first 10,000 monthly users.",
                    )
                    for rule in ("AwsSolutions-COG3", "AwsSolutions-COG8")
                ),
            ],
        )
