"""Sealing the sensitive columns of rows already stored: after an upgrade (rows written
before encryption), and after a key rotation (rows sealed under an older key).

Every column of type ``SealedText`` is found from the models, so a column sealed later
needs no change here. Runs in batches in one transaction per table; safe to run again
(a value already sealed under the current key is left alone).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.models import normal_email
from backend.crypto import Keyring, SealedJSON, SealedText, is_sealed
from backend.db import Base
from backend.notifications.models import dedupe_key
from backend.patients.ins import normal_nir

BATCH = 500
# Columns derived from a sealed value by the index key, computed again here: a lookup
# hash beside its value (table → its (hash column, sealed column, how the value is
# compared)),
# and a message's dedupe key, which names its recipient by that hash: one written before
# the hash (a plain number) or under an older index key would no longer match when its job
# is retried, and the SMS would go out twice.
LOOKUPS = {"patients": (("phone_index", "phone", str), ("ins_nir_index", "ins_nir", normal_nir)),
           "staff_users": (("email_index", "email", normal_email),)}
MESSAGE_KEY = ("outbox_id", "channel", "dedupe_key")


@dataclass
class SealReport:
    values: int = 0  # values sealed again (plain before, or under an older key)
    indexes: int = 0  # lookup hashes and message dedupe keys written


def sealed_columns() -> dict[str, list[str]]:
    """Table name → its sealed columns, from the models."""
    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        names = [column.name for column in table.columns
                 if isinstance(column.type, SealedText | SealedJSON)]
        if names:
            found[table.name] = names
    return found


def seal_stored(session: Session, ring: Keyring, reindex: bool = False) -> SealReport:
    """Seal under the current key every value that is plain or under an older key, and
    compute the missing lookup hashes (all of them with ``reindex``, after the index key
    changed)."""
    report = SealReport()
    for table_name, columns in sealed_columns().items():
        # Untyped columns: the stored text as it is, not opened by SealedText.
        derived = (tuple(lookup[0] for lookup in LOOKUPS[table_name]) if table_name in LOOKUPS
                   else MESSAGE_KEY if table_name == "messages" else ())
        raw = sa.table(table_name, sa.column("id"), *(sa.column(name) for name in columns),
                       *(sa.column(name) for name in derived))
        last = None
        while True:
            query = sa.select(raw).order_by(raw.c.id).limit(BATCH)
            if last is not None:
                query = query.where(raw.c.id > last)
            rows = session.execute(query).all()
            for row in rows:
                values = row._mapping
                changes = {name: ring.seal(ring.open(values[name])) for name in columns
                           if values[name] is not None and not ring.is_current(values[name])}
                report.values += len(changes)
                for index, column, compared in LOOKUPS.get(table_name, ()):
                    if values[column] is not None and (reindex or values[index] is None):
                        changes[index] = ring.index(compared(ring.open(values[column])))
                        report.indexes += 1
                if table_name == "messages":
                    key = dedupe_key(values["outbox_id"], values["channel"],
                                     ring.index(ring.open(values["address"])))
                    if key != values["dedupe_key"]:
                        changes["dedupe_key"] = key
                        report.indexes += 1
                if changes:
                    session.execute(sa.update(raw).where(raw.c.id == row.id).values(changes))
            if len(rows) < BATCH:
                break
            last = rows[-1].id
    return report


def plain_values(session: Session) -> int:
    """How many sensitive values are still stored in the clear (0 once sealed)."""
    count = 0
    for table_name, columns in sealed_columns().items():
        raw = sa.table(table_name, *(sa.column(name) for name in columns))
        for row in session.execute(sa.select(raw)):
            count += sum(1 for value in row if value is not None and not is_sealed(value))
    return count
