"""Integration clients: the hospital's systems (device gateways, the EHR) calling Suivi
without a person, with OAuth2 client credentials (SMART Backend Services)."""
