"""What the nurse reads instead of identifiers: reading types with their units, rule
titles, answer labels, outcomes, in French or English (see i18n.lang)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from backend.alerts.messages import OMITTED
from backend.patients.services import age_on
from backend.web.i18n import lang, number

_NUMERIC = re.compile(r"-?\d+(\.\d+)?")


@dataclass(frozen=True)
class Kind:
    fr: str
    en: str
    unit: str = ""  # as displayed: "°C", "mm Hg"
    decimals: int | None = None

    def label(self) -> str:
        return self.fr if lang() == "fr" else self.en


READINGS = {
    "temperature": Kind("Température", "Temperature", "°C", 1),
    "heart_rate": Kind("Pouls", "Pulse", "/min", 0),
    "respiratory_rate": Kind("Fréquence respiratoire", "Breathing rate", "/min", 0),
    "systolic_bp": Kind("Tension systolique", "Systolic pressure", "mm Hg", 0),
    "diastolic_bp": Kind("Tension diastolique", "Diastolic pressure", "mm Hg", 0),
    "spo2": Kind("SpO2", "SpO2", "%", 0),
    "weight": Kind("Poids", "Weight", "kg", 1),
    "glucose": Kind("Glycémie", "Blood sugar", "mmol/L", 1),
    "pain": Kind("Douleur actuelle", "Pain now", "/10", 0),
    "consciousness": Kind("Conscience (ACVPU)", "Consciousness (ACVPU)"),
    "supplemental_oxygen": Kind("Sous oxygène", "On oxygen"),
}
SCORES = {
    "qor15": Kind("Score QoR-15", "QoR-15 score", "/150", 0),
    "phq9": Kind("Score PHQ-9", "PHQ-9 score", "/27", 0),
    "news2": Kind("Score NEWS2", "NEWS2 score", "", 0),
    "pain_nrs": Kind("Douleur (EN)", "Pain (NRS)", "/10", 0),
}
UCUM = {"Cel": "°C", "mm[Hg]": "mm Hg", "{score}": "/10", "/min": "/min", "%": "%",
        "kg": "kg", "mmol/L": "mmol/L", "h": "h"}
ACVPU = {"A": ("éveillé(e)", "alert"), "C": ("confusion récente", "new confusion"),
         "V": ("réagit à la voix", "responds to voice"),
         "P": ("réagit à la douleur", "responds to pain"),
         "U": ("aucune réaction", "unresponsive")}

# Short labels of the daily answers (the questions themselves are sentences).
ANSWERS = {
    "pain_now": Kind("Douleur actuelle", "Pain now", "/10"),
    "pain_worst_24h": Kind("Pire douleur (24 h)", "Worst pain (24 h)", "/10"),
    "pain_location": Kind("Localisation", "Where"),
    "temperature": Kind("Température", "Temperature", "°C", 1),
    "wound_redness": Kind("Rougeur de la cicatrice", "Wound redness"),
    "wound_discharge": Kind("Écoulement", "Discharge"),
    "wound_bleeding": Kind("Saignement", "Bleeding"),
    "wound_opening": Kind("Cicatrice ouverte", "Wound opened"),
    "nausea": Kind("Nausées", "Nausea"),
    "eating_drinking": Kind("Boire et manger", "Eating and drinking"),
    "urination": Kind("Urines", "Urine"),
    "stools": Kind("Selles", "Stools"),
    "walking": Kind("Déplacements", "Walking"),
    "breathlessness": Kind("Essoufflement", "Breathlessness"),
    "calf_pain": Kind("Douleur du mollet", "Calf pain"),
    "orthopnoea": Kind("Orthopnée", "Orthopnoea"),
    "ankle_swelling": Kind("Chevilles gonflées", "Ankle swelling"),
    "analgesics_taken": Kind("Antalgiques pris", "Painkillers taken"),
    "free_text": Kind("Message", "Message"),
}

RULES = {
    "anastomotic-leak-signs": ("Suspicion de fistule anastomotique", "Suspected anastomotic leak"),
    "ankle-swelling-more": ("Œdème des chevilles accru", "More ankle swelling"),
    "bedbound": ("Patient alité", "Bedbound"),
    "breathless-at-rest": ("Essoufflement au repos", "Breathless at rest"),
    "breathless-on-exertion": ("Essoufflement à l'effort", "Short of breath on exertion"),
    "breathless-worse": ("Essoufflement accru", "More breathless"),
    "calf-pain": ("Suspicion de phlébite", "Suspected deep vein thrombosis"),
    "daily-check-missing": ("Questionnaire du jour manquant", "Daily questionnaire missing"),
    "diastolic-very-high": ("Tension diastolique très élevée", "Very high diastolic pressure"),
    "fever": ("Fièvre", "Fever"),
    "fever-high": ("Fièvre élevée", "High fever"),
    "fever-wound-signs": ("Fièvre et signes d'infection", "Fever with wound signs"),
    "glucose-high": ("Hyperglycémie", "High blood sugar"),
    "glucose-low": ("Hypoglycémie", "Low blood sugar"),
    "glucose-very-high": ("Hyperglycémie sévère", "Very high blood sugar"),
    "glucose-very-low": ("Hypoglycémie sévère", "Very low blood sugar"),
    "heart-rate-extreme": ("Pouls très anormal", "Extreme pulse"),
    "ileus-suspected": ("Suspicion d'iléus", "Suspected ileus"),
    "news2-high": ("NEWS2 élevé", "High NEWS2"),
    "news2-medium": ("NEWS2 moyen", "Medium NEWS2"),
    "news2-single-red": ("NEWS2 : paramètre rouge", "NEWS2: red parameter"),
    "no-urine-12h": ("Pas d'urines depuis 12 h", "No urine for 12 h"),
    "orthopnoea": ("Orthopnée", "Orthopnoea"),
    "pain-maximal": ("Douleur maximale", "Maximal pain"),
    "pain-severe": ("Douleur forte", "Severe pain"),
    "pain-severe-persistent": ("Douleur forte persistante", "Persistent severe pain"),
    "patient-message": ("Message du patient à lire", "Patient's message to read"),
    "patient-unreachable": ("Patient injoignable par SMS", "Patient unreachable by SMS"),
    "pe-suspected": ("Suspicion d'embolie pulmonaire", "Suspected pulmonary embolism"),
    "phq9-item9-positive": ("Idées suicidaires (PHQ-9 item 9)", "Suicidal thoughts (PHQ-9 item 9)"),
    "phq9-moderate": ("Dépression modérée possible", "Possible moderate depression"),
    "phq9-severe": ("Dépression sévère possible", "Possible severe depression"),
    "qor15-poor": ("Récupération médiocre (QoR-15)", "Poor recovery (QoR-15)"),
    "spo2-low": ("Saturation basse", "Low oxygen saturation"),
    "systolic-low": ("Tension basse", "Low blood pressure"),
    "systolic-very-high": ("Tension très élevée", "Very high blood pressure"),
    "vitals-missing": ("Constantes manquantes", "Vital signs missing"),
    "vomiting-unable-to-drink": ("Vomissements, ne boit plus", "Vomiting, unable to drink"),
    "weight-gain-3d": ("Prise de poids sur 3 jours", "Weight gain over 3 days"),
    "weight-missing": ("Poids manquant", "Weight missing"),
    "wound-bleeding": ("Saignement de la cicatrice", "Wound bleeding"),
    "wound-drainage-persistent": ("Écoulement persistant", "Persistent wound drainage"),
    "wound-opening": ("Cicatrice ouverte", "Wound opened"),
    "wound-pus": ("Écoulement purulent", "Pus from the wound"),
    "wound-redness": ("Rougeur de la cicatrice", "Wound redness"),
}
SEVERITIES = {"high": ("Urgente", "Urgent"), "medium": ("Dans l'heure", "Within the hour"),
              "low": ("Dans la journée", "Today")}
STATUSES = {"open": ("Nouvelle", "New"), "acknowledged": ("Prise en charge", "Acknowledged"),
            "resolved": ("Clôturée", "Resolved")}
OUTCOMES = {"advice_given": ("Conseil donné", "Advice given"),
            "called_patient": ("Patient appelé", "Patient called"),
            "teleconsultation": ("Téléconsultation", "Teleconsultation"),
            "sent_to_emergency": ("Orienté aux urgences", "Sent to the emergency department"),
            "readmitted": ("Réhospitalisé", "Readmitted"),
            "false_alarm": ("Fausse alerte", "False alarm"), "other": ("Autre", "Other"),
            "data_received": ("Données reçues", "Data received")}
EVENTS = {"opened": ("ouverte", "opened"), "updated": ("mise à jour", "updated"),
          "worsened": ("aggravée", "worsened"), "acknowledge": ("prise en charge", "acknowledged"),
          "assign": ("assignée", "assigned"), "note": ("note", "note"),
          "snooze": ("mise en attente", "snoozed"), "resolve": ("clôturée", "resolved"),
          "escalated": ("relancée", "escalated"), "notified": ("signalée", "paged"),
          "message": ("nouveau message", "new message"),
          "undelivered": ("nouvel SMS non remis", "another SMS not delivered")}
MESSAGES = {"alert": ("alerte à l'équipe", "alert to the team"),
            "task.reminder": ("rappel du questionnaire", "questionnaire reminder"),
            "teleconsult.invite": ("invitation à la téléconsultation",
                                   "teleconsultation invitation"),
            "teleconsult.remind": ("rappel de téléconsultation", "teleconsultation reminder"),
            "enrollment.activation_sms": ("code d'activation", "activation code"),
            "enrollment.welcome": ("SMS de bienvenue", "welcome SMS"),
            "task.form_link": ("lien du questionnaire web", "web questionnaire link"),
            "smsform.question": ("question du questionnaire par SMS",
                                 "SMS questionnaire question"),
            "smsform.emergency": ("consigne d'appeler le 15", "advice to call 15")}
# How far the patient's identity was checked (identitovigilance, the INS's status).
INS_STATUSES = {"provisoire": ("Identité provisoire", "Provisional identity"),
                "recupere": ("Identité récupérée", "Retrieved identity"),
                "valide": ("Identité validée", "Validated identity"),
                "qualifie": ("Identité qualifiée", "Qualified identity")}


def nir(value: str) -> str:
    """A NIR as it is printed on a card: 1 84 12 76 451 089 46."""
    parts = (value[0], value[1:3], value[3:5], value[5:7], value[7:10], value[10:13],
             value[13:])
    return " ".join(part for part in parts if part)


# How the patient answers (the enrolment's channel).
CHANNELS = {"app": ("Application", "App"),
            "sms": ("SMS (questions par SMS ; lien vers le formulaire web pour les autres "
                    "questionnaires)",
                    "SMS (questions by SMS; a web form link for the other questionnaires)"),
            "web": ("Formulaire web par lien SMS", "Web form by SMS link")}
FOLLOW_UP_OUTCOMES = {"readmission": ("Réhospitalisation", "Readmission"),
                      "emergency_visit": ("Passage aux urgences", "Emergency visit"),
                      "unplanned_consultation": ("Consultation non prévue",
                                                 "Unplanned consultation"),
                      "none": ("Aucun", "None")}
MESSAGE_STATUSES = {"pending": ("en attente", "pending"), "sending": ("en cours", "sending"),
                    "sent": ("envoyé", "sent"), "delivered": ("reçu", "delivered"),
                    "failed": ("échec", "failed")}
# Twilio's delivery reports (backend/notifications/services.STATUS_RANK).
PROVIDER_STATUSES = {"accepted": ("accepté", "accepted"), "scheduled": ("programmé", "scheduled"),
                     "queued": ("en file", "queued"), "sending": ("en cours", "sending"),
                     "sent": ("parti", "sent"), "delivered": ("reçu", "delivered"),
                     "undelivered": ("non remis", "undelivered"), "failed": ("échec", "failed"),
                     "canceled": ("annulé", "canceled"), "read": ("lu", "read")}
# Why a failed SMS was not sent again (backend/delivery/retries.py).
UNDELIVERED_BECAUSE = {
    "permanent_error": ("le numéro ne peut pas recevoir ce SMS", "the number cannot receive it"),
    "opted_out": ("le patient a refusé les SMS (STOP)", "the patient opted out (STOP)"),
    "not_resendable": ("il ne peut être renvoyé : donnez un nouveau code",
                       "it cannot be sent again: give a new code"),
    "attempts": ("tous les essais ont échoué", "every attempt failed")}
# What the patient sent instead of words.
SMS_KEYWORDS = {"stop": ("STOP : ne plus recevoir de SMS", "STOP: no more text messages"),
                "start": ("START : SMS réactivés", "START: text messages on again"),
                "help": ("AIDE", "HELP")}


OPERATORS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def pick(table: dict, key: str | None, default: str | None = None) -> str:
    pair = table.get(key or "")
    if pair is None:
        return default if default is not None else (key or "")
    return pair[0] if lang() == "fr" else pair[1]


def rule_title(rule_id: str) -> str:
    return pick(RULES, rule_id, rule_id.replace("-", " ").capitalize())


def unit_of(ucum: str | None) -> str:
    return UCUM.get(ucum or "", ucum or "")


def colon() -> str:
    """" : " in French typography, ": " in English."""
    return " : " if lang() == "fr" else ": "


def yes_no(value: bool) -> str:
    return ("oui" if value else "non") if lang() == "fr" else ("yes" if value else "no")


def reading_text(kind: str, value: object, unit: str | None = None) -> str:
    """"Température 39,2 °C", "Tension systolique 95 mm Hg", "Sous oxygène : non"."""
    info = READINGS.get(kind, Kind(kind, kind))
    if kind == "consciousness":
        return f"{info.label()}{colon()}{pick(ACVPU, str(value), str(value))}"
    if kind == "supplemental_oxygen":
        return f"{info.label()}{colon()}{yes_no(str(value).lower() == 'true')}"
    return f"{info.label()} {with_unit(number(value, info.decimals), info.unit or unit_of(unit))}"


def age(birth_date, at) -> int:
    return age_on(birth_date, at.date() if hasattr(at, "date") else at)


def postop(day: int) -> str:
    """"J+3" (French wards count post-operative days so), "day 3" in English."""
    if lang() == "fr":
        return f"J{day:+d}" if day else "J0"
    return f"day {day}"


def protocol_title(row) -> str:
    return row.title_fr if lang() == "fr" else row.title_en


def duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if lang() == "fr" else f"{hours} h"


def _subject(item: dict) -> str:
    if "reading" in item:
        return reading_text(item["reading"], item.get("value"), item.get("unit"))
    if "answer" in item:
        slug, _, link_id = item["answer"].rpartition(".")
        info = ANSWERS.get(link_id, Kind(link_id, link_id))
        return answer_text(link_id, item.get("value"), info,
                           choice_text(slug, link_id, item.get("value")))
    if "score" in item:
        name = item["score"].split(".")[0]
        info = SCORES.get(name, Kind(item["score"], item["score"]))
        return f"{info.label()} {number(item.get('value'))}"
    return ""


def choice_text(slug: str, link_id: str, code: object) -> str | None:
    """The words the patient tapped ("J'ai vomi") for a choice code ("vomiting")."""
    if not isinstance(code, str):
        return None
    questionnaire = questionnaires_shown().get(slug)
    item = questionnaire.item(link_id) if questionnaire is not None else None
    choice = item.choice(code) if item is not None else None
    return choice.text.get(lang()) if choice is not None else None


def questionnaires_shown() -> dict:
    from flask import g, has_request_context

    from backend.questionnaires.services import latest

    if not has_request_context():
        return latest()
    if "questionnaires" not in g:  # once per page
        g.questionnaires = latest()
    return g.questionnaires


def with_unit(value: str, unit: str) -> str:
    """"8/10", "39,2 °C": a unit starting with a slash sticks to its number."""
    return f"{value}{unit}" if unit.startswith("/") else f"{value} {unit}".rstrip()


def answer_text(link_id: str, value: object, info: Kind | None = None,
                choice: str | None = None) -> str:
    info = info or ANSWERS.get(link_id, Kind(link_id, link_id))
    if isinstance(value, bool):
        return f"{info.label()}{colon()}{yes_no(value)}"
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        value = Decimal(value)
    if isinstance(value, int | float | Decimal):
        return f"{info.label()} {with_unit(number(value, info.decimals), info.unit)}"
    return f"{info.label()}{colon()}{choice or value}"


def _message_line(item: dict) -> str:
    """« j'ai très mal » (SMS), and who to call when the number is shared."""
    source = {"sms": "SMS", "web": ("formulaire web" if lang() == "fr" else "web form")}.get(
        item.get("source"), "appli" if lang() == "fr" else "app")
    line = f"« {item.get('text', '')} » ({source})"
    if item.get("to_identify"):
        line += (f" — numéro partagé par {item.get('shared_by')} patients : appelez pour "
                 "savoir qui a écrit" if lang() == "fr" else
                 f" — number shared by {item.get('shared_by')} patients: call to find out "
                 "who wrote")
        line += _candidates(item)
    return line


def _undelivered_line(item: dict) -> str:
    """« rappel du questionnaire » non remis après 3 envois (erreur 30003) : tous les
    essais ont échoué."""
    what = pick(MESSAGES, item.get("template"))
    code = item.get("error_code")
    if lang() == "fr":
        line = f"« {what} » non remis après {item.get('attempts')} envoi(s)"
        line += f" (erreur {code})" if code else ""
    else:
        line = f"“{what}” not delivered after {item.get('attempts')} attempt(s)"
        line += f" (error {code})" if code else ""
    if item.get("reason") in UNDELIVERED_BECAUSE:
        line += (" : " if lang() == "fr" else ": ") + pick(UNDELIVERED_BECAUSE, item["reason"])
    return line


def _candidates(item: dict) -> str:
    """Who may have written from a shared number: " (MARTIN Jeanne, et 1 patient d'une
    autre équipe)"; another team's patients are counted, never named."""
    names = [candidate.get("name", "") for candidate in item.get("candidates", [])]
    others = item.get("other_teams", 0)
    if others:
        names.append(f"et {others} patient(s) d'une autre équipe" if lang() == "fr" else
                     f"and {others} patient(s) of another team")
    return f" ({', '.join(names)})" if names else ""


def _omitted_line(item: dict) -> str:
    """The messages an item set aside (backend/alerts/messages): where to read them."""
    count = item.get("count", 0)
    return (f"… et {count} autre(s) message(s) entre-temps, à lire dans la chronologie du "
            "patient" if lang() == "fr" else
            f"… and {count} more message(s) in between: read them in the patient's timeline")


def evidence_lines(evidence: list[dict]) -> list[str]:
    """The values behind an alert, one readable line each ("Température 39,2 °C (seuil
    ≥ 39,1)"); the other findings of its group follow under their own title."""
    lines = []
    for item in evidence or []:
        if "related_rule" in item:
            lines.append(("Aussi : " if lang() == "fr" else "Also: ")
                         + rule_title(item["related_rule"]))
            continue
        if item.get("kind") == "message":  # a patient's own words (backend/alerts/messages)
            lines.append(_message_line(item))
            continue
        if item.get("kind") == "undelivered":  # backend/alerts/unreachable
            lines.append(_undelivered_line(item))
            continue
        if item.get("kind") == OMITTED:
            lines.append(_omitted_line(item))
            continue
        if "task" in item:
            lines.append(f"Pas de réponse {number(item.get('hours'))} h après l'heure prévue"
                          if lang() == "fr" else
                          f"No answer {number(item.get('hours'))} h after it was due")
            continue
        text = _subject(item)
        if (text and item.get("op") in (">=", ">", "<=", "<") and "from_value" not in item
                and item.get("threshold") is not None):
            word = "seuil" if lang() == "fr" else "threshold"
            text += f" ({word} {OPERATORS[item['op']]} {number(item['threshold'])})"
        if text and "from_value" in item:
            text += (f" (de {number(item['from_value'])} en {item.get('within_days')} j)"
                     if lang() == "fr" else
                     f" (from {number(item['from_value'])} within {item.get('within_days')} d)")
        if text:
            lines.append(text)
    return lines


def detail_text(detail: dict | None) -> str:
    """An audit row's detail as one line ("reason: rate limit; count: 3")."""
    return "; ".join(f"{key}: {value}" for key, value in (detail or {}).items())


AUDIT_OUTCOMES = {"success": ("réussi", "success"), "denied": ("refusé", "denied"),
                  "failure": ("échec", "failure")}
AUDIT_ACTORS = {"system": ("Suivi (tâche automatique)", "Suivi (automatic job)"),
                "client": ("Client d'intégration", "Integration client"),
                "anonymous": ("Anonyme (sans identifiants valides)",
                              "Anonymous (no valid credentials)")}


def audit_outcome(outcome: str) -> str:
    return pick(AUDIT_OUTCOMES, outcome)


def audit_actor(actor_type: str) -> str:
    return pick(AUDIT_ACTORS, actor_type)


ROLES = {"nurse": ("infirmier(ère)", "nurse"), "surgeon": ("chirurgien(ne)", "surgeon"),
         "admin": ("administrateur(rice)", "administrator")}


def role(name: str) -> str:
    return pick(ROLES, name)
