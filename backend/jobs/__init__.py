"""Background work: RQ jobs run by ``suivi worker``, periodic jobs by ``suivi scheduler``."""
