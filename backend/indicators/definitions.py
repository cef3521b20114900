"""What each figure of the indicators means and how it is computed: written once, here
(README's "Indicators" repeats it for readers of the repository; the web page shows it).

Every figure is counted per week (Monday to Sunday on the ward's clock) and over the
whole period, on the enrolments of the caller's care teams (administrators: all), with
the ``team`` and ``protocol`` filters applied to the enrolment.
"""

from __future__ import annotations

# (French, English), keyed by the figure's name in the API and the CSV export.
DEFINITIONS: dict[str, tuple[str, str]] = {
    "patients_enrolled": (
        "Patients inclus : patients distincts dont une inclusion a été créée dans la "
        "période.",
        "Patients enrolled: distinct patients with an enrolment created in the period."),
    "patients_active": (
        "Patients suivis : patients distincts dont le suivi (de la sortie à la fin du "
        "protocole, ou à l'arrêt de l'inclusion) recouvre la période.",
        "Active patients: distinct patients whose follow-up (from discharge to the "
        "protocol's last day, or to the end of the enrolment) overlaps the period."),
    "patient_days": (
        "Jours-patients : somme, sur les inclusions, des jours de suivi compris dans la "
        "période (fractions de jour comprises).",
        "Patient-days: the days of follow-up within the period, summed over enrolments "
        "(fractions of days included)."),
    "answer_rate": (
        "Taux de réponse : tâches faites / tâches dues. Une tâche est due dans la période "
        "si son heure d'échéance y tombe et que son délai de réponse est passé (ou "
        "qu'elle est faite) ; faite à temps si la réponse arrive avant la fin du délai "
        "(missed_at), en retard après. La première semaine post-opératoire (jours 0 à 7 "
        "après l'opération) est comptée à part.",
        "Answer rate: tasks done / tasks due. A task is due in the period when its due "
        "time falls in it and its answer window is over (or it is done); done on time "
        "when answered before the window closed (missed_at), late after. The first "
        "post-operative week (days 0 to 7 from surgery) is also counted on its own."),
    "channels": (
        "Canaux : inclusions actives dans la période par canal de réponse (application, "
        "SMS, formulaire web).",
        "Channel mix: enrolments active in the period by answer channel (app, SMS, web "
        "form)."),
    "alerts": (
        "Alertes pour 100 jours-patients : alertes ouvertes dans la période (par règle et "
        "par gravité finale) / jours-patients × 100. Les messages des patients à lire ne "
        "sont pas des alertes de règle : comptés à part.",
        "Alerts per 100 patient-days: alerts opened in the period (by rule and final "
        "severity) / patient-days × 100. Patients' messages to read are not rule alerts: "
        "counted apart."),
    "response_times": (
        "Délais : pour les alertes ouvertes dans la période, par gravité, délai de prise "
        "en charge (ouverture → prise en charge) et de clôture par un soignant "
        "(ouverture → clôture), médiane (p50) et 90e centile (p90) au rang le plus "
        "proche, en minutes ; part en retard : alertes dont l'échéance est passée et qui "
        "n'ont été ni prises en charge ni clôturées avant elle (messages des patients à lire "
        "compris : ils ont une échéance aussi).",
        "Response times: for the alerts opened in the period, per severity, time to "
        "acknowledge (opened → acknowledged) and to resolve by a clinician (opened → "
        "resolved), median (p50) and 90th percentile (p90) by nearest rank, in minutes; "
        "share past deadline: alerts whose deadline has passed that were neither "
        "acknowledged nor resolved before it (patients' messages to read included: they "
        "have a deadline too)."),
    "alert_outcomes": (
        "Issues : alertes clôturées dans la période, par issue (conseil, appel, "
        "téléconsultation, urgences, réhospitalisation, fausse alerte, données reçues, "
        "autre).",
        "Outcomes: alerts resolved in the period, by outcome (advice, call, "
        "teleconsultation, emergency, readmission, false alarm, data received, other)."),
    "false_alarms": (
        "Part de fausses alertes par règle : alertes de la règle clôturées par un soignant "
        "avec l'issue « fausse alerte » / alertes de la règle clôturées par un soignant "
        "dans la période (les alertes de données manquantes closes par l'arrivée des "
        "données ne sont jugées par personne : non comptées). Une règle est signalée au "
        "chirurgien au-delà du seuil configuré, sur au moins 5 alertes jugées.",
        "False-alarm share per rule: alerts of the rule a clinician resolved as \"false "
        "alarm\" / alerts of the rule a clinician resolved in the period (missing-data "
        "alerts closed by the data arriving were judged by nobody: not counted). A rule "
        "is flagged for the surgeon above the configured level, on at least 5 judged "
        "alerts."),
    "messages": (
        "Messages aux patients : SMS et notifications créés dans la période, par état "
        "(en attente, en cours d'envoi, envoyé, délivré, échoué).",
        "Messages to patients: SMS and push notifications created in the period, by "
        "status (pending, sending, sent, delivered, failed)."),
    "patients_unreachable": (
        "Patients injoignables : patients dont au moins un message de la période a échoué "
        "(ou n'a pas été délivré) et aucun n'a été envoyé ni délivré.",
        "Patients unreachable: patients with at least one failed (or undelivered) message "
        "in the period and none sent or delivered."),
    "follow_up_outcomes": (
        "Devenir à 30 jours : inclusions dont la sortie tombe dans la période, par devenir "
        "enregistré (réhospitalisation, passage aux urgences, consultation non prévue, "
        "aucun) ; non renseigné : suivi terminé sans devenir enregistré. Taux de "
        "réhospitalisation = réhospitalisations / devenirs enregistrés.",
        "30-day outcomes: enrolments discharged in the period, by recorded outcome "
        "(readmission, emergency visit, unplanned consultation, none); not recorded: "
        "follow-up over and no outcome recorded. Readmission rate = readmissions / "
        "outcomes recorded."),
    "small_count": (
        "Petits effectifs : une ligne calculée sur moins de patients que le seuil "
        "configuré est signalée ; l'export CSV, fait pour circuler, n'en donne pas les "
        "chiffres.",
        "Small counts: a row computed on fewer patients than the configured minimum is "
        "marked; the CSV export, made to circulate, leaves its figures out."),
}
