"""Every model, imported once so that the metadata is complete (Alembic, tests)."""

from backend.alerts.models import Alert, AlertEvent
from backend.audit.models import AuditEvent
from backend.auth.models import (
    AccessToken,
    ActivationCode,
    DeviceToken,
    LoginFailure,
    RecoveryCode,
    StaffUser,
)
from backend.clients.models import ClientAssertion, ClientToken, IntegrationClient
from backend.consents.models import Consent
from backend.db import Base
from backend.enrollments.models import Enrollment, FollowUpOutcome
from backend.formlinks.models import FormLink
from backend.idempotency.models import IdempotencyRecord
from backend.intake.models import Reading, Submission
from backend.notifications.models import Message
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient
from backend.protocols.models import ProtocolVersion, ThresholdOverride
from backend.questionnaires.models import QuestionnaireVersion
from backend.rgpd.models import ErasureRequest
from backend.smsforms.models import SmsConversation
from backend.tasks.models import Task
from backend.teams.models import CareTeam, TeamMembership
from backend.teleconsult.models import Teleconsultation
from backend.webhooks.models import InboundEvent

__all__ = [
    "Alert", "AlertEvent", "Message", "OutboxEntry", "Reading", "Submission", "Task",
    "Teleconsultation", "InboundEvent", "ClientAssertion", "ClientToken", "IntegrationClient",
    "Consent", "ErasureRequest",
    "AccessToken", "ActivationCode", "AuditEvent", "Base", "CareTeam", "DeviceToken",
    "Enrollment", "FollowUpOutcome", "FormLink", "IdempotencyRecord", "LoginFailure", "Patient",
    "ProtocolVersion", "RecoveryCode", "SmsConversation",
    "QuestionnaireVersion", "StaffUser", "TeamMembership", "ThresholdOverride",
]
