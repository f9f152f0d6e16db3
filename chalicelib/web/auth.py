"""Agent authentication: Cognito sign-in, and verification of the ID token on every agent route."""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.agents import AgentProfile, load_agent
from chalicelib.desk.errors import InvalidRequest, Unauthorized


def sign_in(email: Any, password: Any) -> tuple[str, AgentProfile]:
    """Exchange credentials for a Cognito ID token; the caller must also be an active agent."""
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise InvalidRequest("email and password are required")
    idp = client("cognito-idp")
    try:
        result = idp.initiate_auth(
            ClientId=settings().cognito_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except (idp.exceptions.NotAuthorizedException, idp.exceptions.UserNotFoundException):
        raise Unauthorized("wrong email or password") from None
    if "AuthenticationResult" not in result:
        raise Unauthorized(f"sign-in needs another step ({result.get('ChallengeName', 'challenge')})")
    token = result["AuthenticationResult"]["IdToken"]
    return token, agent_for_token(token)[0]


def authenticate(authorization: str | None) -> AgentProfile:
    """The agent behind an `Authorization: Bearer <Cognito ID token>` header, or Unauthorized."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("sign in first: send Authorization: Bearer <token>")
    return agent_for_token(token.strip())[0]


def agent_for_token(token: str) -> tuple[AgentProfile, dict[str, Any]]:
    """The active agent a verified ID token (from a header or the session cookie) belongs to."""
    claims = verify_token(token)
    return load_agent(claims["email"]), claims


def verify_token(token: str) -> dict[str, Any]:
    """Check signature (pool JWKS), issuer, audience, expiry and that it is an ID token."""
    import jwt

    try:
        key = _jwks().get_signing_key_from_jwt(token).key
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=settings().cognito_client_id,
            issuer=settings().cognito_issuer,
            options={"require": ["exp", "iss", "aud", "email"]},
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(f"invalid or expired token: {error}") from None
    if claims.get("token_use") != "id":
        raise Unauthorized("an ID token is required")
    return claims


@functools.cache
def _jwks() -> Any:
    """The pool's signing keys, fetched once per container and cached by PyJWT."""
    import jwt

    return jwt.PyJWKClient(settings().jwks_url, cache_keys=True, lifespan=3600)
