"""The agents' user pool as issue 11 wants it (infra/auth.py): addresses users cannot take over,
passwords nobody else has seen, optional TOTP MFA."""

from __future__ import annotations

from tests.infra.conftest import Synthesized


def _pool_and_client(synthesized: Synthesized) -> tuple[dict, dict]:
    (pool,) = synthesized.resources("AWS::Cognito::UserPool").values()
    (client,) = synthesized.resources("AWS::Cognito::UserPoolClient").values()
    return pool["Properties"], client["Properties"]


def test_agent_cannot_take_an_admin_address_through_the_app_client(synthesized: Synthesized):
    pool, client = _pool_and_client(synthesized)
    assert client["WriteAttributes"] == ["name"]  # not email: UpdateUserAttributes(email) is refused
    assert {"email", "email_verified"} <= set(client["ReadAttributes"])  # the ID token says both
    # A change made any other way waits until the new address is verified.
    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert pool["AutoVerifiedAttributes"] == ["email"]


def test_invited_agents_passwords_are_temporary(synthesized: Synthesized):
    pool, _ = _pool_and_client(synthesized)
    assert pool["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 3
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_agents_can_turn_on_totp_mfa(synthesized: Synthesized):
    pool, _ = _pool_and_client(synthesized)
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
