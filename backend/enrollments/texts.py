"""The activation SMS: the code to pair the app, and until when it works."""

from __future__ import annotations

ACTIVATION_SMS = {
    "fr": "Suivi : votre code d'activation de l'application est {code} (valable jusqu'au "
          "{date} à {time}).",
    "en": "Suivi: your app activation code is {code} (valid until {date} at {time}).",
}
