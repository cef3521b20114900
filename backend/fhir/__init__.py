"""HL7 FHIR R4 under ``/fhir/R4``: the same services, scoping and audit as ``/api/v1``,
spoken in FHIR resources (``application/fhir+json``)."""
