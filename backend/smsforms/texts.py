"""What the patient reads in an SMS conversation, besides the questions of the form
(the questionnaire's own SMS wording) and the advice of the rules."""

from __future__ import annotations

SIGNATURE = {"fr": "Suivi : ", "en": "Suivi: "}
AGAIN = {"fr": "Je n'ai pas compris. {question} Par exemple : {example}",
         "en": "Sorry, I did not understand. {question} For example: {example}"}
OR_NO = {"fr": " (ou NON)", "en": " (or NO)"}
# Said before the next question when a reply was not understood twice (then filed).
GOING_ON = {"fr": "Question suivante : {question}", "en": "Next question: {question}"}
EMERGENCY = {"fr": "Appelez le 15 (ou le 112) maintenant.",
             "en": "Call 15 (or 112) now."}
# A conversation where nothing could be read: the words went to the ward.
NOTHING_READ = {"fr": "Merci. Vos messages ont été transmis à l'équipe soignante. En cas "
                      "d'urgence, appelez le 15 ou le 112.",
                "en": "Thank you. Your messages were passed to the care team. In an "
                      "emergency, call 15 or 112."}
# Twilio refuses a message body beyond 1,600 characters.
SMS_MAX = 1600
