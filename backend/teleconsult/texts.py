"""What a patient receives about a teleconsultation: when, and the link to join."""

from __future__ import annotations

TEMPLATES = {
    "teleconsult.invite": {"fr": "Suivi : téléconsultation le {date} à {time}. Lien : {url}",
                           "en": "Suivi: video consultation on {date} at {time}. "
                                 "Link: {url}"},
    "teleconsult.remind": {"fr": "Suivi : votre téléconsultation commence à {time}. "
                                 "Lien : {url}",
                           "en": "Suivi: your video consultation starts at {time}. "
                                 "Link: {url}"},
}
