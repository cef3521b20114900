"""What a patient receives when a task is due (no health data, by design)."""

from __future__ import annotations

REMINDER = {"fr": "Suivi : votre questionnaire du jour vous attend dans l'application.",
            "en": "Suivi: today's questionnaire is waiting for you in the app."}
