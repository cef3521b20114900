"""What the team's phones receive about an alert. No health data: only that there is
something to look at in Suivi, and how urgent (staff read them in French)."""

from __future__ import annotations

SEVERITY_WORD = {"fr": {"high": "URGENTE", "medium": "à traiter dans l'heure",
                        "low": "à revoir dans la journée"},
                 "en": {"high": "URGENT", "medium": "to handle within the hour",
                        "low": "to review today"}}
TEMPLATES = {
    "alert.opened": {"fr": "Suivi : nouvelle alerte {word} dans la file de télésurveillance.",
                     "en": "Suivi: new alert ({word}) in the telemonitoring queue."},
    "alert.worsened": {"fr": "Suivi : une alerte s'est aggravée ({word}).",
                       "en": "Suivi: an alert has worsened ({word})."},
    "alert.message": {"fr": "Suivi : nouveau message d'un patient à lire dans la file.",
                      "en": "Suivi: a new message from a patient to read in the queue."},
    "alert.escalated": {"fr": "Suivi : alerte {word} non prise en charge, relance {level}.",
                        "en": "Suivi: alert ({word}) not acknowledged, reminder {level}."},
}


def alert_text(template: str, severity: str, lang: str = "fr", **values: object) -> str:
    return TEMPLATES[template][lang].format(word=SEVERITY_WORD[lang][severity], **values)
