"""Background jobs: the RQ worker (``suivi worker``) runs them, the scheduler (``suivi
scheduler``) starts the periodic ones. Job bodies live in their features' ``jobs.py``."""
