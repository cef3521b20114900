"""The hospital's identity provider, through authlib's OpenID Connect client.

Authorization code flow with PKCE (S256), state and nonce, all kept by authlib in the
browser's signed session; authlib checks the ID token (signature from the provider's
JWKS, iss, aud, exp, nonce). Discovery from the issuer's ``.well-known``. Nothing here
logs a token or a claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from joserfc.jwt import JWTClaimsRegistry

from backend.sso.identity import Identity

NAME = "hospital"
TIMEOUT_SECONDS = 10
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_LEEWAY_SECONDS = 120  # clock skew with the provider, as for the ID token


class ProviderRefused(Exception):
    """The flow did not end with a valid ID token: ``reason`` is a short code for the
    audit trail (never the provider's own text, which may carry personal data)."""

    def __init__(self, reason: str, denied: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.denied = denied  # the person (or the provider's policy) said no


class IdentityProvider:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.name = config["SUIVI_OIDC_NAME"]
        self.acr_values = config["SUIVI_OIDC_ACR_VALUES"]
        self._client = FlaskOAuth2App(
            FlaskIntegration(NAME), NAME, client_id=config["SUIVI_OIDC_CLIENT_ID"],
            client_secret=config["SUIVI_OIDC_CLIENT_SECRET"],
            server_metadata_url=f"{config['SUIVI_OIDC_ISSUER']}/.well-known/openid-configuration",
            client_kwargs={"scope": config["SUIVI_OIDC_SCOPES"], "code_challenge_method": "S256",
                           "timeout": TIMEOUT_SECONDS})

    def start(self, redirect_uri: str) -> Any:
        """The redirection to the provider; state, nonce and the PKCE verifier stay in the
        session."""
        extra = {"acr_values": self.acr_values} if self.acr_values else {}
        try:
            return self._client.authorize_redirect(redirect_uri, **extra)
        except (OAuthError, OSError, ValueError) as error:
            raise ProviderRefused(f"provider unreachable ({type(error).__name__})") from None

    def finish(self) -> Identity:
        """The provider's answer on the callback, checked."""
        try:
            token = self._client.authorize_access_token()
        except OAuthError as error:
            raise ProviderRefused(_reason(error),
                                  denied=error.error in {"access_denied", "login_required",
                                                         "interaction_required"}) from None
        except JoseError as error:
            # authlib's own fixed words ('Invalid claim "nonce"'), never the token's.
            detail = f"{error.error}: {error.description}" if error.description else error.error
            raise ProviderRefused(f"id token refused ({detail})"[:120]) from None
        except (OSError, ValueError) as error:
            raise ProviderRefused(f"token exchange failed ({type(error).__name__})") from None
        claims = token.get("userinfo")
        if not claims or not claims.get("sub"):
            raise ProviderRefused("no id token")
        merged = dict(claims)
        try:
            extra = self._client.userinfo(token=token)
        except (OAuthError, OSError, ValueError):
            extra = {}
        if extra.get("sub") == claims["sub"]:
            merged = {**extra, **merged}  # the ID token's own claims win
        amr = claims.get("amr") or ()
        exp, sid = claims.get("exp"), claims.get("sid")
        return Identity(subject=str(claims["sub"]), claims=merged, acr=claims.get("acr"),
                        amr=tuple(str(one) for one in amr) if isinstance(amr, list) else (),
                        id_token=token["id_token"],
                        expires_at=(datetime.fromtimestamp(exp, UTC)
                                    if isinstance(exp, int | float) else None),
                        sid=str(sid)[:255] if sid else None)

    def end_session_url(self, id_token: str | None, after: str) -> str | None:
        """The provider's end_session_endpoint for this sign-in, if it has one."""
        try:
            endpoint = self._client.load_server_metadata().get("end_session_endpoint")
        except (OAuthError, OSError, ValueError):
            return None
        if not endpoint:
            return None
        from urllib.parse import urlencode

        query = {"post_logout_redirect_uri": after, "client_id": self._client.client_id}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


    def logout_claims(self, logout_token: str) -> dict[str, Any]:
        """The claims of a back-channel logout token, checked as OpenID Connect
        Back-Channel Logout 1.0 (section 2.6) says: signed by the provider's keys, for this
        client, from its issuer, with iat, exp and jti, the logout event, a sub or a sid,
        and no nonce. ``ProviderRefused`` says why not."""
        try:
            metadata = self._client.load_server_metadata()
            keys = KeySet.import_key_set(self._client.fetch_jwk_set())
            registry = JWSRegistry(
                algorithms=metadata.get("id_token_signing_alg_values_supported"))
            try:
                token = jwt.decode(logout_token, keys, registry=registry)
            except InvalidKeyIdError:  # the provider rolled its keys since
                keys = KeySet.import_key_set(self._client.fetch_jwk_set(force=True))
                token = jwt.decode(logout_token, keys, registry=registry)
            JWTClaimsRegistry(
                leeway=LOGOUT_LEEWAY_SECONDS, iss={"essential": True, "value": metadata["issuer"]},
                aud={"essential": True, "value": self._client.client_id},
                iat={"essential": True}, exp={"essential": True},
                jti={"essential": True}).validate(token.claims)
        except JoseError as error:
            raise ProviderRefused(f"logout token refused ({error.error})"[:120]) from None
        except (OAuthError, OSError, ValueError, KeyError, RuntimeError) as error:
            raise ProviderRefused(f"logout token not checked ({type(error).__name__})") from None
        claims = token.claims
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
            raise ProviderRefused("logout token without the logout event")
        if not (claims.get("sub") or claims.get("sid")):
            raise ProviderRefused("logout token names no subject or session")
        if "nonce" in claims:
            raise ProviderRefused("logout token with a nonce")
        return claims


def _reason(error: OAuthError) -> str:
    """A short, fixed reason: state mismatches, provider errors by their code."""
    code = (error.error or "error")[:40]
    return code if code.replace("_", "").isalnum() else "error"


def from_config(config: Mapping[str, Any]) -> IdentityProvider | None:
    """The provider configured (SUIVI_OIDC_ISSUER...), or None: no single sign-on."""
    return IdentityProvider(config) if config.get("SUIVI_OIDC_ISSUER") else None
