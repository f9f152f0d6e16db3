"""TOTP MFA for the signed-in agent: Cognito's AssociateSoftwareToken, VerifySoftwareToken and
SetUserMFAPreference.

These calls need the user's access token, which the session does not keep (it holds only the ID
token). Turning MFA on therefore starts by asking for the password again: a fresh sign-in gives an
access token, which waits for the code in a short-lived HttpOnly cookie (web.pages.security).
Re-entering the password also means a stolen session alone cannot enrol the thief's authenticator.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from chalicelib.aws import client
from chalicelib.desk.base.errors import InvalidRequest, Unauthorized
from chalicelib.web.auth import initiate

ISSUER = "Help desk"


def start(email: str, password: str) -> tuple[str, str] | None:
    """(access token, TOTP secret) after checking the password, or None when MFA is already on
    (Cognito then asks for a code instead of issuing tokens). The secret goes into the app."""
    if not password:
        raise InvalidRequest("enter your password")
    result = initiate(email, password)
    if "AuthenticationResult" not in result:
        return None
    access_token = result["AuthenticationResult"]["AccessToken"]
    secret = client("cognito-idp").associate_software_token(AccessToken=access_token)["SecretCode"]
    return access_token, secret


def finish(access_token: str, code: str) -> None:
    """Check a code from the app against the new secret, then ask for it at every sign-in."""
    idp = client("cognito-idp")
    try:
        idp.verify_software_token(AccessToken=access_token, UserCode=code, FriendlyDeviceName=ISSUER)
    except (idp.exceptions.CodeMismatchException, idp.exceptions.EnableSoftwareTokenMFAException):
        raise InvalidRequest("that code is not right: enter the one your app shows now") from None
    except idp.exceptions.NotAuthorizedException:
        raise Unauthorized("this setup has expired; start again") from None
    idp.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )


def otpauth_uri(secret: str, email: str) -> str:
    """The Key URI authenticator apps read (the de facto `otpauth://totp/` format)."""
    label = quote(f"{ISSUER}:{email}")
    return f"otpauth://totp/{label}?{urlencode({'secret': secret, 'issuer': ISSUER})}"
