"""The SMS carrying the web form's link (no health data: not even the questionnaire's
name, which can tell an illness)."""

from __future__ import annotations

FORM_SMS = {
    "fr": "Suivi : votre questionnaire est à remplir ici : {links} (lien personnel, valable "
          "jusqu'au {date} à {time}). Pour écrire à l'équipe soignante, répondez à ce SMS.",
    "en": "Suivi: your questionnaire is ready here: {links} (your own link, valid until "
          "{date} at {time}). To write to the care team, reply to this text.",
}
MASKED_TOKEN = "••••••••"  # noqa: S105 (what the stored copy shows instead)
