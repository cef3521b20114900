"""Questionnaire definitions as the app and the nurse see them."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from backend import db
from backend.clock import now
from backend.errors import NotFound
from backend.protocols.content import questionnaires_from
from backend.questionnaires.models import QuestionnaireVersion
from rules.model import Questionnaire


def store(slug: str, version: int, definition: dict) -> bool:
    """Store a questionnaire version once; True if new. Stored versions never change."""
    session = db.session()
    existing = session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.slug == slug, QuestionnaireVersion.version == version))
    if existing is not None:
        if existing.definition != definition:
            raise ValueError(f"questionnaire {slug} version {version} is already loaded with "
                             "a different content; give it a new version number")
        return False
    session.add(QuestionnaireVersion(slug=slug, version=version, definition=definition,
                                     created_at=now()))
    return True


def latest_rows() -> list[QuestionnaireVersion]:
    newest = (select(QuestionnaireVersion.slug, func.max(QuestionnaireVersion.version)
                     .label("version")).group_by(QuestionnaireVersion.slug).subquery())
    query = (select(QuestionnaireVersion)
             .join(newest, (QuestionnaireVersion.slug == newest.c.slug)
                   & (QuestionnaireVersion.version == newest.c.version))
             .order_by(QuestionnaireVersion.slug))
    return list(db.session().scalars(query))


# A stored questionnaire version never changes: parse (and schema-check) it once.
_parsed: dict[uuid.UUID, Questionnaire] = {}


def parsed(row: QuestionnaireVersion) -> Questionnaire:
    if row.id not in _parsed:
        _parsed[row.id] = questionnaires_from({row.slug: row.definition})[row.slug]
    return _parsed[row.id]


def latest() -> dict[str, Questionnaire]:
    """The newest version of every questionnaire, parsed."""
    return {row.slug: parsed(row) for row in latest_rows()}


def latest_raw() -> dict[str, dict]:
    return {row.slug: row.definition for row in latest_rows()}


def get(slug: str) -> Questionnaire:
    row = db.session().scalar(select(QuestionnaireVersion)
                              .where(QuestionnaireVersion.slug == slug)
                              .order_by(QuestionnaireVersion.version.desc()).limit(1))
    if row is None:
        raise NotFound(f"No questionnaire '{slug}'.")
    return parsed(row)


def version_of(slug: str, version: int) -> Questionnaire | None:
    """A stored version of a questionnaire (what a submission was answered with)."""
    row = db.session().scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.slug == slug, QuestionnaireVersion.version == version))
    return parsed(row) if row is not None else None
