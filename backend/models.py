"""Every model, imported once so that the metadata is complete (Alembic, tests)."""

from backend.audit.models import AuditEvent
from backend.auth.models import AccessToken, RecoveryCode, StaffUser
from backend.db import Base
from backend.enrollments.models import ActivationCode, DeviceToken, Enrollment
from backend.idempotency.models import IdempotencyRecord
from backend.patients.models import Patient
from backend.protocols.models import ProtocolVersion, ThresholdOverride
from backend.questionnaires.models import QuestionnaireVersion
from backend.teams.models import CareTeam, TeamMembership

__all__ = [
    "AccessToken", "ActivationCode", "AuditEvent", "Base", "CareTeam", "DeviceToken",
    "Enrollment", "IdempotencyRecord", "Patient", "ProtocolVersion", "RecoveryCode",
    "QuestionnaireVersion", "StaffUser", "TeamMembership", "ThresholdOverride",
]
