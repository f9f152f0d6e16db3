"""Cognito users for agents: the one way a sign-in is made (admin invites, the local demo admin)."""

from __future__ import annotations

from typing import Any


def create_login(idp: Any, pool_id: str, email: str, name: str, password: str) -> None:
    """A user that signs in at once with `password`: no invitation mail (SUPPRESS), no forced change."""
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": name},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
