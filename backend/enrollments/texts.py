"""The SMS of enrolment: the activation code to pair the app, and the welcome SMS."""

from __future__ import annotations

ACTIVATION_SMS = {
    "fr": "Suivi : votre code d'activation de l'application est {code} (valable jusqu'au "
          "{date} à {time}).",
    "en": "Suivi: your app activation code is {code} (valid until {date} at {time}).",
}

# Who writes, what will come, how to stop: nothing of the operation, protocol or team (a
# team's name can tell an illness).
WELCOME_SMS = {
    "fr": "Bonjour, ici Suivi, le suivi à domicile de votre hôpital. Quand un questionnaire "
          "sera à remplir, vous recevrez ici un SMS avec un lien : ouvrez-le et répondez. "
          "Pour écrire à l'équipe soignante, répondez à ce SMS. STOP pour ne plus recevoir "
          "de SMS.",
    "en": "Hello, this is Suivi, your hospital's follow-up at home. When a questionnaire is "
          "due you will get a text here with a link: open it and answer. To write to the "
          "care team, reply to this text. Reply STOP to stop these texts.",
}
