"""The web pages in French (the source language of every string) or English.

The language is the staff member's choice (a long-lived cookie set from the language
switch in the header, so a shared ward computer keeps it per browser), else the
browser's Accept-Language, else French. ``_`` looks a French string up in the English
catalogue; a missing entry shows the French text rather than nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask import g, has_request_context, request

from backend.web.messages_en import EN

LANGUAGES = ("fr", "en")
COOKIE = "suivi_lang"


def lang() -> str:
    if not has_request_context():
        return "fr"
    if "lang" not in g:
        chosen = request.cookies.get(COOKIE)
        g.lang = chosen if chosen in LANGUAGES else (
            request.accept_languages.best_match(LANGUAGES) or "fr")
    return g.lang


def _(text: str, **values: object) -> str:
    translated = EN.get(text, text) if lang() == "en" else text
    return translated.format(**values) if values else translated


def number(value: object, decimals: int | None = None) -> str:
    """39.2 → "39,2" in French; integers stay integers (95, not 95,0)."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    number = Decimal(str(value))
    if decimals is not None:
        number = round(number, decimals)
    text = format(number.normalize(), "f") if number == number.to_integral() else str(number)
    if "." in text and decimals is None:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang() == "fr" else text


# -- the API's messages, as the nurse reads them ------------------------------------------
# The services speak English (the API's language); the pages say the same in French.
FR_ERRORS = {
    "Wrong e-mail or password.": "Adresse e-mail ou mot de passe incorrect.",
    "Wrong code.": "Code incorrect.",
    # single sign-on (backend/sso/services.py)
    "No Suivi account matches this identity: ask your administrator.":
        "Aucun compte Suivi ne correspond à cette identité : adressez-vous à votre "
        "administrateur.",
    "This Suivi account is deactivated: ask your administrator.":
        "Ce compte Suivi est désactivé : adressez-vous à votre administrateur.",
    "This Suivi account is tied to another identity at the provider: ask your administrator.":
        "Ce compte Suivi est lié à une autre identité chez le fournisseur : adressez-vous à "
        "votre administrateur.",
    "The identity provider did not sign you in.":
        "Le fournisseur d'identité ne vous a pas connecté (connexion refusée ou annulée).",
    "The sign-in with the identity provider failed; please try again.":
        "La connexion avec le fournisseur d'identité a échoué : veuillez réessayer.",
    "rpps: an RPPS number is 11 digits": "RPPS : un numéro RPPS compte 11 chiffres",
    "The sign-in has expired; enter your password again.":
        "La connexion a expiré : saisissez à nouveau votre mot de passe.",
    "code: wrong code; check the time on your phone.":
        "Code incorrect : vérifiez l'heure de votre téléphone.",
    "No such patient.": "Patient introuvable.",
    "You are not enrolled in a follow-up at the moment.":
        "Votre suivi est terminé : ce questionnaire n'est plus attendu.",
    "No such alert.": "Alerte introuvable.",
    "No such enrolment for this patient.": "Inclusion introuvable pour ce patient.",
    "The form expired; please try again.": "Le formulaire a expiré : veuillez réessayer.",
    "The address holds a character that is not text.":
        "L'adresse contient un caractère qui n'est pas du texte.",
    "This enrolment is over (confirmed elsewhere, or its code expired); ask an administrator "
    "for a new enrolment code.": "Cet enrôlement est terminé (confirmé ailleurs, ou son code "
                                 "a expiré) : demandez un nouveau code d'enrôlement à un "
                                 "administrateur.",
    "The patient has no active enrolment.": "Le patient n'a pas d'inclusion en cours.",
    "The patient has no alert to acknowledge.":
        "Ce patient n'a plus d'alerte à prendre en charge.",
    "The patient has no open alert.": "Ce patient n'a plus d'alerte ouverte.",
    "the alert is already acknowledged": "L'alerte est déjà prise en charge.",
    "the alert is resolved; a new finding opens a new alert":
        "L'alerte est déjà clôturée ; une nouvelle donnée ouvrira une nouvelle alerte.",
    "a snooze needs a time in the future": "La mise en attente doit finir dans le futur.",
    "only an acknowledged alert can be snoozed: acknowledge it first (an alert nobody has "
    "taken on is never hidden)": "Seule une alerte prise en charge peut être mise en "
                                 "attente : prenez-la d'abord en charge (une alerte que "
                                 "personne n'a prise en charge n'est jamais masquée).",
    "resolving needs an outcome": "Choisissez l'issue pour clôturer l'alerte.",
    "The request conflicts with a concurrent change; please retry.":
        "Un collègue a modifié ce dossier au même moment : rechargez la page et réessayez.",
    "The service is temporarily unavailable; please retry.":
        "Le service est momentanément indisponible : réessayez dans un instant.",
}
FR_FIELDS = {
    "staff_id": "Personne assignée", "starts_at": "Date du rendez-vous",
    "surgery_date": "Date de l'opération", "discharge_at": "Date de sortie",
    "birth_date": "Date de naissance", "care_team": "Équipe", "timezone": "Fuseau horaire",
    "phone": "Téléphone", "email": "Adresse e-mail", "given_name": "Prénom",
    "family_name": "Nom", "protocol": "Protocole", "outcome": "Issue", "note": "Note",
    "until": "Fin de la mise en attente", "reason": "Motif", "activation_code": "Code",
    "duration_minutes": "Durée", "clinician_id": "Soignant", "alert_id": "Alerte",
    "mfa_enrolment_code": "Code d'enrôlement",
    "minutes": "Durée de la mise en attente", "hospital_id": "Identifiant hospitalier",
    "kind": "Événement", "date": "Date de l'événement", "team": "Équipe",
    "patient": "Patient", "actor": "Compte", "from": "Du", "to": "Au", "cursor": "Page",
    "active": "Compte", "role": "Rôle", "display_name": "Nom affiché", "password": "Mot de passe",
    "teams": "Équipes", "slug": "Identifiant", "name": "Nom", "on_call_phone": "Téléphone de garde",
    "day_start": "Début de journée", "day_end": "Fin de journée",
    "scopes": "Droits", "public_key": "Clé publique",
    "ins_nir": "Matricule INS", "ins_status": "Statut de l'identité (INS)",
}
FR_FIELD_MESSAGES = {
    # integration clients (backend/clients/services.py)
    "choose at least one scope": "cochez au moins un droit",
    "neither a JWKS nor a PEM public key (RSA or EC P-384)":
        "ni un JWKS ni une clé publique PEM (RSA ou EC P-384)",
    "this is a private key: register the public key only (the private key never leaves the "
    "client)": "c'est une clé privée : enregistrez seulement la clé publique (la clé privée "
               "ne quitte jamais le client)",
    "is not a member of this patient's care team":
        "ne fait pas partie de l'équipe soignante de ce patient",
    "no such active staff member": "compte inconnu ou désactivé",
    "is not a nurse or surgeon of this patient's care team":
        "n'est ni infirmier(ère) ni chirurgien(ne) de l'équipe soignante de ce patient",
    "is in the past": "est dans le passé", "is in the future": "est dans le futur",
    "must be within 6 months": "doit être dans les 6 mois",
    "must be within a year of today": "doit être à moins d'un an d'aujourd'hui",
    "you are not a member of this care team": "vous n'êtes pas membre de cette équipe",
    "required when you belong to several care teams (or none)":
        "à choisir : vous appartenez à plusieurs équipes",
    "Missing data for required field.": "à renseigner",
    "Not a valid date.": "date invalide", "Not a valid datetime.": "date et heure invalides",
    "must be between the years 1900 and 2999": "doit être entre les années 1900 et 2999",
    "Not a valid email address.": "adresse e-mail invalide",
    "wrong, used or expired: ask an administrator for a new one":
        "incorrect, déjà utilisé ou expiré : demandez-en un nouveau à un administrateur",
    "required: the enrolment code an administrator gave you":
        "à saisir : le code qu'un administrateur vous a remis",
    "no date with 'none' (nothing happened)": "pas de date avec « aucun » (rien ne s'est "
                                              "passé)",
    "is after 'to'": "est après la semaine de fin",
    "an ISO week (2026-W48) or a day (2026-11-26) of the week":
        "une semaine (2026-W48) ou un jour de la semaine (2026-11-26)",
    "no patient matches this name or IPP": "aucun patient ne correspond à ce nom ou IPP",
    "choose an account from the list": "choisissez un compte de la liste",
    "choose an outcome from the list": "choisissez un résultat de la liste",
    "several patients match: choose one": "plusieurs patients correspondent : choisissez-en un",
    "you cannot deactivate your own account": "vous ne pouvez pas désactiver votre propre compte",
    "you cannot take the administrator role from yourself":
        "vous ne pouvez pas vous retirer le rôle d'administrateur",
    "choose a role from the list": "choisissez un rôle de la liste",
}
FR_BY_STATUS = {
    400: "Requête refusée", 401: "Connexion requise", 403: "Action non autorisée",
    404: "Introuvable", 409: "Action impossible dans l'état actuel",
    422: "Saisie refusée", 429: "Trop de tentatives",
}
_WAIT = re.compile(r"retry in (\d+) s")
_SNOOZE_MAX = re.compile(r"^an? (high|medium|low) alert may be snoozed for (\S+ \S+) at most")
_SEVERITY_FR = {"high": "urgente", "medium": "à traiter dans l'heure", "low": "du jour"}
# Messages with a value in them: (pattern, French with the pattern's groups).
FR_PATTERNS = (
    (re.compile(r"^choose a duration from the list: (.+)$"),
     "choisissez une durée de la liste : {0}"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "{0} caractères au plus"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "{0} caractères au moins"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "entre {0} et {1} caractères"),
    (re.compile(r"^must not contain the bidirectional control character (U\+[0-9A-F]+): .*$"),
     "ne doit pas contenir le caractère de contrôle bidirectionnel {0}, qui change "
     "l'affichage du texte qui l'entoure"),
    (re.compile(r"^must not contain the control character (U\+[0-9A-F]+)( \(line breaks "
                r"are allowed\))?$"),
     "ne doit pas contenir le caractère de contrôle {0}"),
    (re.compile(r"^the day of the .+ is required$"), "à renseigner pour cet événement"),
    (re.compile(r"^must be within 30 days of discharge: from (\S+) to (\S+)$"),
     "doit être dans les 30 jours après la sortie, du {0} au {1}"),
    (re.compile(r"^at most (\d+) weeks at once$"), "{0} semaines au plus"),
    (re.compile(r"^no care team '(.+)' among yours$"), "aucune de vos équipes n'est « {0} »"),
    (re.compile(r"^no protocol '(.+)'$"), "aucun protocole « {0} »"),
    (re.compile(r"^this alert already has (\d+) notes, the most one alert keeps: .*$"),
     "cette alerte a déjà {0} notes, le maximum : écrivez dans le dossier du patient, ou "
     "clôturez l'alerte avec une note de synthèse"),
)


def _field_message(detail: str) -> str:
    longest = _SNOOZE_MAX.match(detail)
    if longest:
        return (f"une alerte {_SEVERITY_FR[longest.group(1)]} peut être mise en attente "
                f"{longest.group(2)} au plus (maximum du protocole)")
    for pattern, french in FR_PATTERNS:
        found = pattern.match(detail)
        if found:
            return french.format(*found.groups())
    return FR_FIELD_MESSAGES.get(detail, detail)


def error_text(message: str, status: int) -> str:
    """An API error message in the page's language (French unless English is chosen)."""
    if lang() == "en":
        return message
    if message in FR_ERRORS:
        return FR_ERRORS[message]
    wait = _WAIT.search(message)
    if status == 429 and wait:
        return f"Trop de tentatives : réessayez dans {wait.group(1)} s."
    parts = []
    for clause in message.split("; "):
        name, sep, detail = clause.partition(": ")
        if sep and name in FR_FIELDS:
            parts.append(f"{FR_FIELDS[name]} : {_field_message(detail)}")
        else:
            parts.append(FR_ERRORS.get(clause, clause))
    translated = " ; ".join(parts)
    if translated != message:
        return translated + ("" if translated.endswith(".") else ".")
    # A message this catalogue does not know yet: say what happened in French, and keep
    # the service's own words as the detail.
    return f"{FR_BY_STATUS.get(status, 'Erreur')} ({message.rstrip('.')})."
