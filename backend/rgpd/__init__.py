"""The patient's rights (RGPD): export of their data, erasure of their contact data at the
end of follow-up (the medical content kept for the legal retention), and the retention
purge."""
