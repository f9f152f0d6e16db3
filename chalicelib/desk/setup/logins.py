"""Cognito users for agents: the one way a sign-in is made (admin invites, the local demo admin).

An agent row is bound to its Cognito user by the user's `sub`, which never changes; the email
address is only how people sign in and how rows are keyed.
"""

from __future__ import annotations

from typing import Any


def create_login(idp: Any, pool_id: str, email: str, name: str, password: str, *, permanent: bool) -> str:
    """A user with a verified address and `password`; returns the user's `sub`.

    No invitation mail (SUPPRESS): the inviting admin is shown the password once. An invited
    agent's password is temporary (`permanent=False`): Cognito asks for a new one at first sign-in,
    so nobody keeps a password someone else has seen. Only the local demo admin's is permanent.
    """
    created = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        TemporaryPassword=password,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": name},
        ],
        MessageAction="SUPPRESS",
    )
    if permanent:
        idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    return next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub")
