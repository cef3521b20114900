"""Who the identity provider says signed in, once its ID token is checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Identity:
    """What a checked ID token (and the userinfo, for claims it lacks) says."""

    subject: str
    acr: str | None
    amr: tuple[str, ...]
    claims: Mapping[str, Any] = field(repr=False)
    id_token: str = field(repr=False)  # kept only to end the provider's session (id_token_hint)
    expires_at: datetime | None = None  # the ID token's ``exp``: the session ends then
    sid: str | None = None  # the provider's session, named again by a back-channel logout
