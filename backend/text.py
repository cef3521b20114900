"""What text the database can store: shared by the API's parser and the services that read
raw headers."""

from __future__ import annotations

NUL = "\x00"
NUL_MESSAGE = "must not contain the NUL character (\\u0000)"
