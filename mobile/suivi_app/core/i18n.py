"""The app's own words, in French (default) and English (patients whose language is en).

Questionnaire texts, advice and education come from the server in the patient's language;
only the app's chrome is here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("fr", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # key: (fr, en)
    "activation.title": ("Bienvenue dans Suivi", "Welcome to Suivi"),
    "activation.explain": ("Saisissez le code à 10 caractères remis par l'équipe soignante "
                           "(par exemple : ABCDE-23456).",
                           "Enter the 10-character code given to you by your care team "
                           "(for example: ABCDE-23456)."),
    "activation.hint": ("ABCDE-23456", "ABCDE-23456"),
    "activation.button": ("Activer", "Activate"),
    "activation.busy": ("Connexion en cours…", "Connecting…"),
    "activation.bad_length": ("Le code compte 10 lettres ou chiffres. Vérifiez-le.",
                              "The code has 10 letters or digits. Please check it."),
    "activation.refused": ("Ce code est inconnu, déjà utilisé ou expiré. Demandez un nouveau "
                           "code à l'équipe soignante.",
                           "This code is unknown, already used or expired. Ask your care team "
                           "for a new one."),
    "error.offline": ("Pas de connexion. Vérifiez le Wi-Fi ou les données mobiles, puis "
                      "réessayez.",
                      "No connection. Check Wi-Fi or mobile data, then try again."),
    "error.busy": ("Le service est occupé. Réessayez dans quelques minutes.",
                   "The service is busy. Please try again in a few minutes."),
    "error.revoked": ("Ce téléphone n'est plus relié à votre suivi. Saisissez un nouveau code.",
                      "This phone is no longer linked to your follow-up. Enter a new code."),
    "today.hello": ("Bonjour {name}", "Hello {name}"),
    "today.day": ("Jour {day} après l'opération", "Day {day} after your operation"),
    "today.day0": ("Jour de l'opération", "Day of your operation"),
    "today.before": ("Avant l'opération", "Before your operation"),
    "today.tasks": ("Aujourd'hui", "Today"),
    "today.no_tasks": ("Rien à faire pour le moment.", "Nothing to do for now."),
    "today.stale": ("Hors connexion : dernières informations reçues.",
                    "Offline: the last information received."),
    "today.refresh": ("Actualiser", "Refresh"),
    "today.teleconsultation": ("Téléconsultation à {time}", "Video appointment at {time}"),
    "today.teleconsultation_on": ("Téléconsultation le {day} à {time}",
                                  "Video appointment on {day} at {time}"),
    "today.join": ("Rejoindre la téléconsultation", "Join the video appointment"),
    "today.education": ("Conseils", "Advice"),
    "status.done": ("✓ Fait", "✓ Done"),
    "status.pending": ("À faire", "To do"),
    "status.missed": ("Manqué", "Missed"),
    "status.waiting": ("En attente d'envoi", "Waiting to be sent"),
    "status.started": ("Commencé", "Started"),
    "notice.title": ("Votre réponse {when} est arrivée. Conseils :",
                     "Your answer {when} has arrived. Advice:"),
    "notice.read": ("J'ai lu", "I have read it"),
    "notice.notify_title": ("Suivi", "Suivi"),
    "notice.notify": ("Vos réponses sont arrivées. Ouvrez Suivi pour lire les conseils.",
                      "Your answers have arrived. Open Suivi to read the advice."),
    # Raised by the phone itself: it names no questionnaire (the lock screen is seen by
    # anyone), as the server's reminder (backend.tasks.texts).
    "reminder.notify": ("Suivi : un questionnaire vous attend.",
                        "Suivi: a questionnaire is waiting for you."),
    "moment.today": ("d'aujourd'hui à {time}", "of today at {time}"),
    "moment.on": ("du {day} à {time}", "of {day} at {time}"),
    "done.title": ("Vous avez déjà répondu {when}. Merci.",
                   "You already answered {when}. Thank you."),
    "done.title_unknown": ("Vous avez déjà répondu. Merci.", "You already answered. Thank you."),
    "done.again": ("Répondre à nouveau", "Answer again"),
    "waiting.title": ("Votre réponse est enregistrée sur le téléphone, en attente d'envoi. "
                      "Elle partira dès que la connexion reviendra.",
                      "Your answer is saved on this phone, waiting to be sent. It will leave "
                      "as soon as the connection is back."),
    "today.contact": ("Joindre le service", "Contact the ward"),
    "contact.title": ("Votre service", "Your ward"),
    "contact.unknown_ward": ("Le service qui vous suit", "The ward that follows you"),
    "contact.no_phone": ("Le numéro du service est sur votre compte rendu de sortie.",
                         "The ward's number is on your discharge letter."),
    "contact.hours": ("Le service répond de {start} à {end}{zone}.",
                      "The ward answers from {start} to {end}{zone}."),
    "contact.zone": (" (heure de {city})", " ({city} time)"),
    "contact.call": ("Appeler le service", "Call the ward"),
    "contact.emergency": ("En cas d'urgence, à toute heure : appelez le 15.",
                          "In an emergency, at any time: call 15."),
    "q.bp": ("Tension artérielle", "Blood pressure"),
    "q.bp_help": ("Les deux chiffres affichés par le tensiomètre.",
                  "The two numbers shown by the blood pressure monitor."),
    "q.bp.systolic_bp": ("Le chiffre du haut (systolique)", "Top number (systolic)"),
    "q.bp.diastolic_bp": ("Le chiffre du bas (diastolique)", "Bottom number (diastolic)"),
    "today.settings": ("Réglages", "Settings"),
    "settings.title": ("Réglages", "Settings"),
    "settings.language": ("Langue", "Language"),
    "settings.language_note": ("Les conseils envoyés par l'équipe restent dans la langue "
                               "enregistrée par le service.",
                               "Advice from the ward stays in the language the ward "
                               "recorded."),
    "settings.text_size": ("Taille du texte", "Text size"),
    "settings.text_normal": ("Normale", "Normal"),
    "settings.text_large": ("Grande", "Large"),
    "settings.glucose": ("Unité affichée par votre lecteur de glycémie",
                         "Unit shown by your blood sugar meter"),
    "settings.reminders": ("Heure de mes rappels", "When my reminders come"),
    "settings.reminder_ward": ("Aux heures du service", "At the ward's times"),
    "settings.reminder_at": ("À {time}", "At {time}"),
    "settings.reminders_note": ("Un rappel ne vient jamais après l'heure prévue d'un "
                                "questionnaire. Il faut être connecté pour changer l'heure.",
                                "A reminder never comes after a questionnaire is due. "
                                "Changing the time needs the Internet."),
    "settings.local_reminders": ("Rappels sur ce téléphone", "Reminders on this phone"),
    "settings.local_on": ("Activés", "On"),
    "settings.local_off": ("Désactivés", "Off"),
    "settings.local_reminders_note": ("Le téléphone vous rappelle ce qui reste à faire, même "
                                      "sans connexion Internet. Le service envoie aussi ses "
                                      "rappels.",
                                      "This phone reminds you of what is left to do, even "
                                      "without the Internet. The ward sends its reminders "
                                      "too."),
    "settings.unlink": ("Délier ce téléphone", "Unlink this phone"),
    "settings.unlink_confirm": ("Ce téléphone ne pourra plus envoyer vos réponses. Il faudra "
                                "un nouveau code de l'équipe soignante pour le relier. "
                                "Confirmez-vous ?",
                                "This phone will no longer send your answers. You will need "
                                "a new code from your care team to link it again. Are you "
                                "sure?"),
    "settings.unlink_yes": ("Oui, délier ce téléphone", "Yes, unlink this phone"),
    "settings.unlink_no": ("Non, garder ce téléphone", "No, keep this phone"),
    "settings.unlink_waiting": ("Des réponses attendent d'être envoyées. Reconnectez le "
                                "téléphone à Internet, puis réessayez.",
                                "Answers are waiting to be sent. Connect the phone to the "
                                "Internet, then try again."),
    "settings.unlinking": ("Un instant…", "One moment…"),
    "settings.unlinked": ("Ce téléphone n'est plus relié à votre suivi.",
                          "This phone is no longer linked to your follow-up."),
    "today.values": ("Mes valeurs", "My values"),
    "values.title": ("Mes valeurs des 14 derniers jours", "My values of the last 14 days"),
    "values.none": ("Pas encore de valeur.", "No value yet."),
    "values.last": ("Dernière : {value} ({when})", "Latest: {value} ({when})"),
    "values.range": ("De {low} à {high}", "From {low} to {high}"),
    "values.loading": ("Chargement…", "Loading…"),
    "values.blood_pressure": ("Tension artérielle", "Blood pressure"),
    "settings.privacy": ("Vie privée", "Privacy"),
    "settings.mydata": ("Mes données", "My data"),
    "mydata.title": ("Mes données", "My data"),
    "mydata.intro": ("Ce que le service qui vous suit a enregistré.",
                     "What the ward that follows you has recorded."),
    "mydata.loading": ("Chargement…", "Loading…"),
    "mydata.offline": ("Cette page a besoin de la connexion Internet. Vérifiez le Wi-Fi ou "
                       "les données mobiles, puis réessayez.",
                       "This page needs the Internet. Check Wi-Fi or mobile data, then try "
                       "again."),
    "mydata.retry": ("Réessayer", "Try again"),
    "mydata.who": ("Qui je suis", "Who I am"),
    "mydata.birth": ("Date de naissance : {date}", "Date of birth: {date}"),
    "mydata.phone": ("Téléphone : {phone}", "Phone: {phone}"),
    "mydata.no_phone": ("Téléphone : aucun", "Phone: none"),
    "mydata.follow_up": ("Mon suivi", "My follow-up"),
    "mydata.surgery": ("Opération le {date}", "Operation on {date}"),
    "mydata.team": ("Équipe : {team}", "Team: {team}"),
    "mydata.ended": ("Suivi terminé le {date}", "Follow-up ended on {date}"),
    "mydata.no_follow_up": ("Aucun suivi enregistré.", "No follow-up recorded."),
    "mydata.consent_title": ("Mon accord", "My consent"),
    "mydata.consent": ("Accord donné le {date}, après la notice d'information (version "
                       "{version}).",
                       "Consent given on {date}, after the information notice (version "
                       "{version})."),
    "mydata.withdrawn": ("Accord retiré le {date}.", "Consent withdrawn on {date}."),
    "mydata.no_consent": ("Aucun accord enregistré.", "No consent recorded."),
    "mydata.read_notice": ("Lire la notice", "Read the notice"),
    "mydata.hide_notice": ("Fermer la notice", "Close the notice"),
    "mydata.answers_title": ("Mes réponses et mesures", "My answers and readings"),
    "mydata.counts": ("Réponses : {answers}. Mesures : {readings}.",
                      "Answers: {answers}. Readings: {readings}."),
    "mydata.at_least": ("plus de {n}", "more than {n}"),
    "mydata.latest_answers": ("Dernières réponses :", "Latest answers:"),
    "mydata.latest_readings": ("Dernières mesures :", "Latest readings:"),
    "mydata.answer": ("{title}, {when}", "{title}, {when}"),
    "mydata.reading": ("{name} : {value}, {when}", "{name}: {value}, {when}"),
    "mydata.rights_title": ("Copie complète, arrêt du suivi",
                            "Full copy, stopping the follow-up"),
    "mydata.ask_ward": ("Pour recevoir une copie complète de votre dossier ou arrêter le "
                        "suivi, demandez-le au service : {ward}.",
                        "To get a full copy of your record or to stop the follow-up, ask "
                        "the ward: {ward}."),
    "mydata.ask_ward_phone": ("Pour recevoir une copie complète de votre dossier ou arrêter "
                              "le suivi, demandez-le au service : {ward}, au {phone}.",
                              "To get a full copy of your record or to stop the follow-up, "
                              "ask the ward: {ward}, on {phone}."),
    "mydata.save": ("Enregistrer une copie", "Save a copy"),
    "mydata.saving": ("Enregistrement…", "Saving…"),
    "mydata.saved": ("Copie enregistrée {when} sur ce téléphone, dans les fichiers de "
                     "l'application Suivi, dossier « {folder} ».",
                     "Copy saved {when} on this phone, in the Suivi app's files, folder "
                     "\"{folder}\"."),
    "mydata.save_failed": ("La copie n'a pas pu être enregistrée : le téléphone manque "
                           "peut-être de place.",
                           "The copy could not be saved: the phone may be short of space."),
    "when.today": ("aujourd'hui à {time}", "today at {time}"),
    "when.on": ("le {day} à {time}", "on {day} at {time}"),
    "q.resumed": ("Vous reprenez là où vous vous étiez arrêté.",
                  "You are back where you left off."),
    "banner.waiting.1": ("1 réponse en attente d'envoi.", "1 answer waiting to be sent."),
    "banner.waiting.n": ("{n} réponses en attente d'envoi.", "{n} answers waiting to be sent."),
    "banner.retry": ("Réessayer", "Try again"),
    "banner.fix": ("Une réponse n'a pas été acceptée.", "An answer was not accepted."),
    "banner.fix_button": ("Corriger", "Correct it"),
    "q.progress": ("{n} sur {total}", "{n} of {total}"),  # beside ‹ Accueil, on one line
    "q.back": ("‹ Accueil", "‹ Home"),
    "q.previous": ("Retour", "Back"),  # short: fits half a small phone at large text
    "q.next": ("Suivant", "Next"),
    "q.skip": ("Passer", "Skip"),
    "q.send": ("Envoyer", "Send"),
    "q.sending": ("Envoi…", "Sending…"),
    "q.yes": ("Oui", "Yes"),
    "q.no": ("Non", "No"),
    "q.unit": ("en {unit}", "in {unit}"),
    "q.unit_choice": ("Unité affichée par votre appareil :", "Unit shown by your device:"),
    "q.did_you_mean": ("Vouliez-vous dire {options} ? Si oui, touchez cette unité.",
                       "Did you mean {options}? If so, tap that unit."),
    "q.or": (" ou ", " or "),
    "q.required": ("Répondez à cette question pour continuer.",
                   "Please answer this question to go on."),
    "q.not_number": ("« {text} » n'est pas un nombre.", "\"{text}\" is not a number."),
    "q.whole": ("Saisissez un nombre entier.", "Please enter a whole number."),
    "q.range": ("Saisissez une valeur entre {min} et {max}{unit}.",
                "Please enter a value between {min} and {max}{unit}."),
    "q.too_long": ("{max} caractères au maximum.", "{max} characters at most."),
    "q.date": ("Saisissez la date ainsi : AAAA-MM-JJ.", "Please enter the date as YYYY-MM-DD."),
    "q.date_hint": ("AAAA-MM-JJ", "YYYY-MM-DD"),
    "q.refused": ("Le serveur n'a pas accepté cette réponse : {message}",
                  "The server did not accept this answer: {message}"),
    "reading.title": ("Votre mesure : {name}", "Your reading: {name}"),
    "advice.emergency": ("Appelez le 15 maintenant", "Call 15 now"),
    "advice.call": ("Appeler le 15", "Call 15"),
    "advice.sent": ("Merci, vos réponses sont envoyées.", "Thank you, your answers were sent."),
    "advice.queued": ("Vos réponses sont enregistrées sur le téléphone. Elles seront envoyées "
                      "dès que la connexion reviendra.",
                      "Your answers are saved on this phone. They will be sent as soon as "
                      "the connection is back."),
    "advice.if_unwell": ("Si vous vous sentez mal, appelez le 15.",
                         "If you feel unwell, call 15."),
    "advice.none": ("L'équipe soignante verra vos réponses. Continuez ainsi.",
                    "Your care team will see your answers. Keep going."),
    "advice.home": ("Retour à l'accueil", "Back to home"),
}

READING_NAMES: dict[str, tuple[str, str]] = {
    "temperature": ("température", "temperature"),
    "heart_rate": ("pouls", "pulse"),
    "respiratory_rate": ("fréquence respiratoire", "breathing rate"),
    "systolic_bp": ("tension (chiffre du haut)", "blood pressure (top number)"),
    "diastolic_bp": ("tension (chiffre du bas)", "blood pressure (bottom number)"),
    "spo2": ("saturation en oxygène", "oxygen saturation"),
    "weight": ("poids", "weight"),
    "glucose": ("glycémie", "blood sugar"),
    "pain": ("douleur", "pain"),
}


def tr(key: str, lang: str = "fr", **values: object) -> str:
    """``key`` in ``lang`` (French when unknown), with ``{name}`` fields filled in."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


_NBSP = "\u00a0"
_GLUED = [(re.compile(r" ([?!:;»])"), _NBSP + r"\1"), (re.compile(r"« "), "«" + _NBSP),
          (re.compile(r"(\d) (h|°C|kg|mmHg|%)(?=\W|$)"), r"\1" + _NBSP + r"\2")]


def typeset(text: str) -> str:
    """French spacing kept on one line: « Douleur ? » never wraps before its ``?``, nor
    ``18 h`` between the number and its unit (the server's texts use plain spaces)."""
    for pattern, glued in _GLUED:
        text = pattern.sub(glued, text)
    return text


def waiting(count: int, lang: str = "fr") -> str:
    return tr("banner.waiting.1", lang) if count == 1 else tr("banner.waiting.n", lang, n=count)


def reading_name(reading: str, lang: str = "fr") -> str:
    pair = READING_NAMES.get(reading, (reading, reading))
    return pair[1] if lang == "en" else pair[0]


def post_op_day(day: int | None, lang: str = "fr") -> str:
    if day is None or day < 0:
        return tr("today.before", lang)
    return tr("today.day0", lang) if day == 0 else tr("today.day", lang, day=day)


def _local(at: str, timezone: str | None) -> datetime:
    """An ISO timestamp in the patient's time zone."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    try:
        return moment.astimezone(ZoneInfo(timezone or ""))
    except (ValueError, ZoneInfoNotFoundError):  # no tz database on this phone: its own
        return moment.astimezone()


def _day_time(moment: datetime, lang: str, today: date | None) -> tuple[str | None, str]:
    """(None if it is today, else the day; the time) as the patient reads them."""
    time = moment.strftime("%H:%M") if lang == "fr" else moment.strftime("%I:%M %p").lstrip("0")
    if moment.date() == (today or datetime.now(moment.tzinfo).date()):
        return None, time
    return moment.strftime("%d/%m" if lang == "fr" else "%d %b"), time


def appointment(starts_at: str, timezone: str | None, lang: str = "fr",
                today: date | None = None) -> str:
    """``Téléconsultation à 14:30`` today, else ``… le 24/11 à 14:30``, in the patient's
    time zone."""
    day, time = _day_time(_local(starts_at, timezone), lang, today)
    if day is None:
        return tr("today.teleconsultation", lang, time=time)
    return tr("today.teleconsultation_on", lang, day=day, time=time)


def phone(number: str) -> str:
    """``+33122334455`` → ``01 22 33 44 55`` (a French number as the French read it);
    any other number as given."""
    if number.startswith("+33") and len(number) == 12:
        digits = "0" + number[3:]
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return number


def ward_hours(start: str, end: str, timezone: str | None, lang: str = "fr") -> str:
    """``Le service répond de 8 h 30 à 17 h 30.`` (the city is named outside Paris)."""
    def shown(hhmm: str) -> str:
        hours, minutes = (int(part) for part in hhmm.split(":")[:2])
        if lang == "en":
            return f"{hours}:{minutes:02d}"
        return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"

    city = (timezone or "").rsplit("/", 1)[-1].replace("_", " ")
    zone = tr("contact.zone", lang, city=city) if city and city != "Paris" else ""
    return tr("contact.hours", lang, start=shown(start), end=shown(end), zone=zone)


def when(at: str, timezone: str | None, lang: str = "fr", today: date | None = None) -> str:
    """``aujourd'hui à 10:12``, else ``le 30/11 à 10:12``."""
    day, time = _day_time(_local(at, timezone), lang, today)
    return (tr("when.today", lang, time=time) if day is None
            else tr("when.on", lang, day=day, time=time))


def number(value: float, lang: str = "fr", decimals: int = 1) -> str:
    """``37,1`` in French, ``37.1`` in English; whole numbers without decimals."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    return text.replace(".", ",") if lang == "fr" else text


def moment(at: str, timezone: str | None, lang: str = "fr", today: date | None = None) -> str:
    """``d'aujourd'hui à 10:12``, else ``du 30/11 à 10:12`` (when an answer was given)."""
    day, time = _day_time(_local(at, timezone), lang, today)
    if day is None:
        return tr("moment.today", lang, time=time)
    return tr("moment.on", lang, day=day, time=time)
