"""What ``/fhir/R4`` serves, as data: the routes are registered from this table and the
CapabilityStatement is generated from it, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

FHIR_VERSION = "4.0.1"
# Interactions and where their route is (``{id}``: the resource's id).
PATHS = {"read": "/{type}/{id}", "search-type": "/{type}", "create": "/{type}",
         "everything": "/{type}/{id}/$everything"}
METHODS = {"read": "GET", "search-type": "GET", "create": "POST", "everything": "GET"}
# Operations (not interactions): their definition in the FHIR specification.
OPERATIONS = {"everything": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # a FHIR search parameter type: token, string, date, reference
    documentation: str


@dataclass(frozen=True)
class Served:
    """One resource type: its profile, the view of each interaction, its search
    parameters and the URL converter of its id (``uuid:patient_id``)."""

    type: str
    profile: str
    views: dict[str, Callable[..., Any]]
    id_rule: str
    search: Sequence[SearchParam] = field(default_factory=tuple)
    supported_profiles: Sequence[str] = field(default_factory=tuple)

    def rule(self, interaction: str) -> str:
        return PATHS[interaction].format(type=self.type, id=f"<{self.id_rule}>")


def statement(served: Sequence[Served], base_url: str, released: date) -> dict[str, Any]:
    """The CapabilityStatement of ``served`` (FHIR R4, JSON only)."""
    resources = []
    for item in served:
        entry: dict[str, Any] = {
            "type": item.type, "profile": item.profile,
            "interaction": [{"code": code} for code in item.views if code not in OPERATIONS]}
        if item.supported_profiles:
            entry["supportedProfile"] = list(item.supported_profiles)
        if item.search:
            entry["searchParam"] = [{"name": p.name, "type": p.type,
                                     "documentation": p.documentation} for p in item.search]
        operations = [{"name": name, "definition": OPERATIONS[name]} for name in item.views
                      if name in OPERATIONS]
        if operations:
            entry["operation"] = operations
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": released.isoformat(),
        "publisher": "Suivi",
        "kind": "instance",
        "software": {"name": "Suivi"},
        "implementation": {"description": "Suivi, suivi post-opératoire à distance",
                           "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "security": {
                "service": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "OAuth"}]}],
                "description": "Jeton Bearer du personnel soignant (POST /api/v1/auth/login "
                               "puis second facteur) ou d'un client d'intégration (POST "
                               "/oauth/token, client_credentials, scopes SMART "
                               "system/<Type>.read ou .write, system/*.read) ; seuls les "
                               "patients des équipes de soins de l'appelant sont visibles."},
            "resource": resources,
        }],
    }
