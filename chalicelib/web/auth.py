"""Agent authentication: Cognito sign-in (with its challenges), and the ID token check on every route.

A token is an agent's only if it names the address *verified* and its `sub` is the Cognito user the
agent row belongs to (desk.setup.agents.agent_for_login): the address is an editable attribute, the sub
is not. The JSON API also takes an integration's API key (`hd_…`, desk.setup.api_keys) in the same
header, acting as an agent with the key's role and teams; the pages never do (their session cookie
holds an ID token, checked by `agent_for_token` alone).
"""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.base.errors import Forbidden, InvalidRequest, Unauthorized
from chalicelib.desk.setup import api_keys
from chalicelib.desk.setup.agents import AgentProfile, agent_for_login
from chalicelib.desk.ticket.records import utcnow

NEW_PASSWORD, MFA_CODE = "new_password_required", "mfa_code_required"
# The form / JSON field that answers each step.
ANSWER_FIELDS = {NEW_PASSWORD: "new_password", MFA_CODE: "code"}
# Our step → (Cognito's challenge name, the answer's name in its ChallengeResponses).
_CHALLENGES = {
    NEW_PASSWORD: ("NEW_PASSWORD_REQUIRED", "NEW_PASSWORD"),
    MFA_CODE: ("SOFTWARE_TOKEN_MFA", "SOFTWARE_TOKEN_MFA_CODE"),
}
_STEP_OF = {challenge: step for step, (challenge, _) in _CHALLENGES.items()}
_PROMPTS = {
    NEW_PASSWORD: "Your password was temporary: choose your own to finish signing in.",
    MFA_CODE: "Enter the 6-digit code from your authenticator app.",
}
# Keys never rotate often; a token naming an unknown key id refetches the JWKS at most this often.
JWKS_REFRESH_COOLDOWN_SECONDS = 60.0


class Challenge(Unauthorized):
    """Cognito wants one more answer before it issues tokens: a new password, or an MFA code.

    `session` is Cognito's handle for the answer (valid a few minutes); the API returns it in the
    401's body, the sign-in page in a hidden field of the next form.
    """

    def __init__(self, step: str, email: str, session: str) -> None:
        super().__init__(_PROMPTS[step], session=session, email=email)
        self.code, self.step, self.email, self.session = step, step, email, session


def sign_in(email: str, password: str) -> tuple[str, AgentProfile]:
    """Exchange credentials for an agent's ID token, or raise the Challenge Cognito asks for."""
    if not _filled(email, password):
        raise InvalidRequest("email and password are required")
    return _outcome(initiate(email, password), email)


def initiate(email: str, password: str) -> dict[str, Any]:
    """Cognito's InitiateAuth answer: tokens, or a challenge; Unauthorized for wrong credentials."""
    idp = client("cognito-idp")
    try:
        return idp.initiate_auth(
            ClientId=settings().cognito_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except (idp.exceptions.NotAuthorizedException, idp.exceptions.UserNotFoundException):
        raise Unauthorized("wrong email or password") from None


def answer_challenge(step: str, email: str, session: str, answer: str) -> tuple[str, AgentProfile]:
    """Answer a Challenge (RespondToAuthChallenge): the ID token, or the next Challenge."""
    if not _filled(step) or step not in ANSWER_FIELDS or not _filled(email, session):
        raise InvalidRequest(f"challenge must be one of {', '.join(ANSWER_FIELDS)}, with email and session")
    if not _filled(answer):
        raise InvalidRequest(f"{ANSWER_FIELDS[step]} is required")
    cognito_name, answer_name = _CHALLENGES[step]
    idp = client("cognito-idp")
    try:
        result = idp.respond_to_auth_challenge(
            ClientId=settings().cognito_client_id,
            ChallengeName=cognito_name,
            Session=session,
            ChallengeResponses={"USERNAME": email, answer_name: answer},
        )
    except idp.exceptions.InvalidPasswordException as error:
        raise InvalidRequest(f"choose another password: {error.response['Error']['Message']}") from None
    except idp.exceptions.CodeMismatchException:
        raise Unauthorized("that code is not right; try the current one") from None
    except (
        idp.exceptions.NotAuthorizedException,
        idp.exceptions.ExpiredCodeException,
        idp.exceptions.ResourceNotFoundException,
    ):
        raise Unauthorized("this sign-in has expired; sign in again") from None
    return _outcome(result, email)


def principal(authorization: str | None, *, keys: bool = True, source_ip: str = "") -> AgentProfile:
    """Who a JSON API request is from: the principal of an API key `Bearer hd_…` where `keys`
    allows them (desk.setup.api_keys), else the agent of a Cognito ID token (`authenticate`)."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and api_keys.looks_like_key(token):
        if not keys:
            raise Forbidden("API keys cannot do this: sign in as an admin")
        return api_keys.principal_for(token, source_ip or "unknown", utcnow())
    return authenticate(authorization)


def authenticate(authorization: str | None) -> AgentProfile:
    """The agent behind an `Authorization: Bearer <Cognito ID token>` header, or Unauthorized."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("sign in first: send Authorization: Bearer <token> (an ID token or an API key)")
    return agent_for_token(token.strip())[0]


def agent_for_token(token: str) -> tuple[AgentProfile, dict[str, Any]]:
    """The active agent a verified ID token (from a header or the session cookie) belongs to."""
    claims = verify_token(token)
    return agent_for_login(claims["email"], claims["sub"]), claims


def verify_token(token: str) -> dict[str, Any]:
    """Check signature (pool JWKS), issuer, audience, expiry, that it is an ID token, and that its
    address is verified (an address changed by its user is not, until they confirm a code)."""
    import jwt

    try:
        key = _jwks().get_signing_key_from_jwt(token).key
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=settings().cognito_client_id,
            issuer=settings().cognito_issuer,
            options={"require": ["exp", "iss", "aud", "sub", "email"]},
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(f"invalid or expired token: {error}") from None
    if claims.get("token_use") != "id":
        raise Unauthorized("an ID token is required")
    # Cognito writes a JSON boolean; moto the attribute's string. Both are signed by the pool.
    if claims.get("email_verified") not in (True, "true"):
        raise Unauthorized("the token's email address is not verified")
    return claims


def _outcome(result: dict[str, Any], email: str) -> tuple[str, AgentProfile]:
    if "AuthenticationResult" in result:
        token = result["AuthenticationResult"]["IdToken"]
        return token, agent_for_token(token)[0]
    name = result.get("ChallengeName", "challenge")
    if name not in _STEP_OF:
        raise Unauthorized(f"sign-in needs a step this app does not offer ({name})")
    raise Challenge(_STEP_OF[name], email, result["Session"])


def _filled(*values: str) -> bool:
    return all(values)


@functools.cache
def _jwks() -> Any:
    """The pool's signing keys, fetched once per container and cached by PyJWT.

    The cooldown (PyJWT >= 2.14) stops tokens with made-up key ids from making every request
    refetch the key set.
    """
    import jwt

    return jwt.PyJWKClient(
        settings().jwks_url, cache_keys=True, lifespan=3600, cooldown_duration=JWKS_REFRESH_COOLDOWN_SECONDS
    )
