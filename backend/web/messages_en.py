"""English text of the web pages, keyed by their French text (see i18n._)."""

from backend.web.messages_en_indicators import INDICATORS_EN

EN = {
    # frame, sign-in
    "Aller au contenu": "Skip to content",
    "télésurveillance post-opératoire": "post-operative telemonitoring",
    "Navigation principale": "Main navigation",
    "Se déconnecter": "Sign out",
    "Mode démonstration : données fictives, la double authentification peut être ignorée.":
        "Demo mode: fictitious data, the second factor may be skipped.",
    "Connexion": "Sign in", "Adresse e-mail": "E-mail address", "Mot de passe": "Password",
    "Se connecter": "Sign in", "Valider": "Confirm",
    "Se connecter avec {name}": "Sign in with {name}", "ou": "or",
    "Connexion refusée": "Sign-in refused",
    "RPPS": "RPPS", "Numéro RPPS enregistré.": "RPPS number saved.",
    "Revenir à la page de connexion": "Back to the sign-in page",
    "Code à 6 chiffres de votre application d'authentification (ou un code de secours)":
        "6-digit code from your authenticator app (or a recovery code)",
    "Double authentification": "Two-factor authentication",
    "La double authentification est activée. Conservez ces codes de secours en lieu sûr : "
    "chacun ne sert qu'une fois et ils ne seront plus affichés.":
        "Two-factor authentication is on. Keep these recovery codes somewhere safe: each "
        "works once and they will not be shown again.",
    "Continuer": "Continue",
    "Les données de santé ne sont accessibles qu'après l'activation d'un second facteur. "
    "Scannez ce QR code avec une application d'authentification (FreeOTP, Google "
    "Authenticator…), puis saisissez le code affiché.":
        "Health data is only available once a second factor is on. Scan this QR code with "
        "an authenticator app (FreeOTP, Google Authenticator…), then type the code shown.",
    "QR code d'enrôlement": "Enrolment QR code", "Clé :": "Key:",
    "Code à 6 chiffres": "6-digit code", "Activer": "Turn on",
    "Recommencer avec un nouveau QR code": "Start again with a new QR code",
    "Les données de santé ne sont accessibles qu'après l'activation d'un second facteur. "
    "Pour l'activer, saisissez le code d'enrôlement qu'un administrateur vous a remis en "
    "main propre.":
        "Health data is only available once a second factor is on. To turn it on, type the "
        "enrolment code an administrator handed you.",
    "Code d'enrôlement": "Enrolment code",
    "Mode démonstration : le code d'enrôlement peut être laissé vide.":
        "Demo mode: the enrolment code may be left empty.",
    "Afficher le QR code": "Show the QR code",
    # the queue
    "File d'alertes": "Alert queue", "Patients à traiter": "Patients to see",
    "Filtrer par gravité": "Filter by severity", "Filtrer": "Filter",
    "{n} urgente(s) en retard · ": "{n} urgent overdue · ",
    "Actualisation automatique suspendue pendant que vous travaillez sur ce patient.":
        "Automatic refresh paused while you work on this patient.",
    "Reprendre": "Resume",
    "Aucune alerte ouverte. Tout est calme.": "No open alert. All is quiet.",
    "Patients à traiter, les plus urgents en premier": "Patients to see, most urgent first",
    "Mis à jour à {time}": "Updated at {time}",
    "{n} en retard depuis {time}": "{n} overdue since {time}", "avant {time}": "by {time}",
    "Dernier contact": "Last contact", "Appeler": "Call", "Dossier": "Record",
    "Travailler sur ce patient (suspend l'actualisation)":
        "Work on this patient (pauses the refresh)",
    "{n} ans": "{n} y", "né(e) le {date}": "born {date}",
    "Toutes les alertes de ce patient": "All of this patient's alerts",
    "Toutes les alertes du patient ({n})": "All of the patient's alerts ({n})",
    "Tout prendre en charge": "Acknowledge all", "Tout clôturer": "Resolve all",
    "Issue": "Outcome", "Choisir…": "Choose…", "Note (facultative)": "Note (optional)",
    "assignée à {name}": "assigned to {name}", "un collègue": "a colleague",
    "en attente jusqu'à {time}": "snoozed until {time}", "Ouverte le {time}": "Opened {time}",
    "en retard depuis {time}": "overdue since {time}", "relance {n}": "reminder {n}",
    "à traiter avant {time}": "due by {time}",
    "Prendre en charge": "Acknowledge", "M'assigner": "Assign to me",
    "Assigner, noter, mettre en attente, clôturer…": "Assign, note, snooze, resolve…",
    "Assigner à": "Assign to", "Assigner": "Assign", "Note": "Note",
    "Ajouter la note": "Add the note", "Mettre en attente": "Snooze", "Motif": "Reason",
    "Le patient rappelle": "The patient will call back", "Clôturer": "Resolve",
    "Rappel prévu": "Call back planned",
    "Alerte prise en charge.": "Alert acknowledged.", "Alerte assignée.": "Alert assigned.",
    "Note ajoutée.": "Note added.", "Alerte mise en attente.": "Alert snoozed.",
    "Alerte clôturée.": "Alert resolved.",
    "{n} alerte(s) prise(s) en charge.": "{n} alert(s) acknowledged.",
    "{n} alerte(s) clôturée(s).": "{n} alert(s) resolved.",
    # patients
    "Patients": "Patients", "Rechercher": "Search", "Nom ou IPP": "Name or hospital id",
    "Nom": "Family name", "Prénom": "Given name", "Âge": "Age", "Protocole": "Protocol",
    "Opération": "Operation", "Téléphone": "Phone", "Aucun patient.": "No patient.",
    "Date de l'opération": "Date of surgery", "Sortie": "Discharge", "IPP": "Hospital id",
    "Aucune inclusion en cours": "No current enrolment",
    "Alertes en cours": "Open alerts", "Courbes des 30 derniers jours": "Last 30 days",
    "Chronologie": "Timeline", "Rien pour l'instant.": "Nothing yet.",
    "Alerte « {rule} » {step}": "Alert “{rule}” {step}",
    "Message ({channel}) : {what}": "Message ({channel}): {what}",
    "SMS reçu du patient": "SMS from the patient",
    "Réponse SMS au questionnaire": "SMS reply to the questionnaire",
    "Téléconsultation ({n} min)": "Teleconsultation ({n} min)",
    "{day} : de {low} à {high}, dernière valeur {last}":
        "{day}: from {low} to {high}, last value {last}",
    "{title} : dernière valeur {value} le {time}": "{title}: last value {value} on {time}",
    " ({n} mesures, une barre par jour du minimum au maximum)":
        " ({n} values, one bar a day from the lowest to the highest)",
    "{n} mesures : une barre par jour, de la plus basse à la plus haute.":
        "{n} values: one bar a day, from the lowest to the highest.",
    " Dont {n} au-delà d'un seuil (jours au point rouge).":
        " {n} of them beyond a threshold (days with a red dot).",
    " ; {n} valeur(s) sur {count} au-delà d'un seuil":
        "; {n} of {count} value(s) beyond a threshold",
    " (seuil propre à ce patient)": " (this patient's own threshold)",
    " : limite du jour": ": the day's limit",
    # teleconsultations
    "Téléconsultations": "Teleconsultations", "Rejoindre la visio": "Join the video call",
    "lien envoyé au patient": "link sent to the patient", "terminée": "over",
    "Date": "Date", "Heure": "Time", "Durée": "Duration",
    # a patient's messages (the patient page)
    "Sens": "Direction", "Canal": "Channel", "État": "Status", "Envoi": "Sending",
    "Envoyé": "Sent", "Reçu du patient": "Received from the patient",
    "erreur {code}": "error {code}", "essai {n} sur {total}": "attempt {n} of {total}",
    "Aucun message pour l'instant.": "No message yet.",
    "Messages plus anciens": "Older messages",
    "SMS refusés par le patient (STOP)": "The patient opted out of SMS (STOP)",
    "Messages": "Messages", "Message": "Message",
    "À propos de l'alerte": "About the alert",
    "Réserver et envoyer le lien": "Book and send the link",
    "Téléconsultation réservée : le lien est envoyé au patient.":
        "Teleconsultation booked: the link is on its way to the patient.",
    # enrolment
    "Inclure un patient": "Enrol a patient", "Patient": "Patient",
    "Date de naissance": "Date of birth", "Sexe": "Sex", "Femme": "Female", "Homme": "Male",
    "Autre": "Other", "Téléphone mobile": "Mobile phone",
    "Langue du patient": "Patient's language", "IPP (facultatif)": "Hospital id (optional)",
    "Équipe": "Care team", "Suivi": "Follow-up", "Date de sortie": "Discharge date",
    "Heure de sortie": "Discharge time",
    "Inclure et créer le code d'activation": "Enrol and create the activation code",
    "Code d'activation": "Activation code",
    "Le patient saisit ce code dans l'application Suivi, ou scanne le QR code. Il ne sert "
    "qu'une fois.": "The patient types this code in the Suivi app, or scans the QR code. "
                   "It works once.",
    "QR code du code d'activation": "QR code of the activation code",
    "Valable jusqu'au {time}. Il ne sera plus affiché après cette page.":
        "Valid until {time}. It will not be shown again after this page.",
    "Envoyer le code par SMS": "Send the code by SMS",
    "Le code n'est plus affiché. Créez-en un nouveau si le patient ne l'a pas noté "
    "(l'ancien cesse alors de fonctionner).":
        "The code is no longer shown. Create a new one if the patient did not write it "
        "down (the old one then stops working).",
    "Nouveau code": "New code", "Ouvrir le dossier": "Open the record",
    "Code envoyé par SMS au {phone}.": "Code sent by SMS to {phone}.",
    # the patients' web form (backend/web/form_pages.py)
    "facultatif": "optional", "Oui": "Yes", "Non": "No", "Unité": "Unit",
    "Vos réponses ne sont pas encore envoyées : corrigez ce qui est signalé en rouge.":
        "Your answers are not sent yet: correct what is marked in red.",
    "Répondez aux questions puis appuyez sur « Envoyer mes réponses » en bas de la page.":
        "Answer the questions, then press “Send my answers” at the bottom of the page.",
    "Envoyer mes réponses": "Send my answers",
    "Pour écrire à l'équipe soignante, répondez au SMS qui vous a donné ce lien.":
        "To write to the care team, reply to the text message that gave you this link.",
    "Réponses envoyées": "Answers sent", "Vos réponses sont envoyées": "Your answers are sent",
    "Appelez le 15 maintenant": "Call 15 now",
    "Touchez ici pour appeler le SAMU (15)": "Tap here to call the emergency service (15)",
    "Vous pouvez fermer cette page.": "You can close this page.",
    "Lien non valable": "Link not valid", "Réponses non envoyées": "Answers not sent",
    "Ce lien a déjà servi": "This link has already been used",
    "Les réponses envoyées avec ce lien ont bien été reçues. Chaque lien ne sert qu'une fois.":
        "The answers sent with this link were received. Each link works only once.",
    "Ce questionnaire est déjà rempli": "This questionnaire is already answered",
    "L'équipe a déjà reçu vos réponses à ce questionnaire.":
        "The team already has your answers to this questionnaire.",
    "Ce lien a expiré": "This link has expired",
    "Ce lien n'est plus valable. Vous recevrez un nouveau lien par SMS pour le prochain "
    "questionnaire.":
        "This link no longer works. You will get a new link by text message for the next "
        "questionnaire.",
    "Vos réponses n'ont pas pu être envoyées": "Your answers could not be sent",
    "Ce lien n'est pas valable": "This link is not valid",
    "Vérifiez que l'adresse est complète, telle qu'elle figure dans le SMS.":
        "Check that the address is complete, as it is in the text message.",
    "Pour joindre l'équipe soignante, répondez au SMS qui vous a donné ce lien : votre "
    "message sera lu par une infirmière.":
        "To reach the care team, reply to the text message that gave you this link: a nurse "
        "will read your message.",
    "En cas d'urgence, appelez le 15.": "In an emergency, call 15.",
    "Appeler le 15": "Call 15",
    "À remplir seulement si {what}.": "Only if {what}.",
    " et ": " and ", " ou ": " or ",
    "ce n'est pas le cas que {what}": "it is not the case that {what}",
    "entre {low} et {high}": "between {low} and {high}",
    "autre chose que ": "something other than ", "plus de ": "more than ",
    "au moins ": "at least ", "moins de ": "less than ", "au plus ": "at most ",
    "vous avez répondu {answer} à « {question} »":
        "you answered {answer} to “{question}”",
    "Merci de répondre à cette question.": "Please answer this question.",
    "Indiquez un nombre entre {low} et {high}{unit}.":
        "Enter a number between {low} and {high}{unit}.",
    "Indiquez un nombre, par exemple {example}.": "Enter a number, for example {example}.",
    "Choisissez Oui ou Non.": "Choose Yes or No.",
    "Choisissez une des réponses proposées.": "Choose one of the answers offered.",
    "Indiquez une date.": "Enter a date.",
    "Ce texte est trop long : {n} caractères au plus.":
        "This text is too long: {n} characters at most.",
    "Ce texte contient des caractères qui ne peuvent pas être enregistrés.":
        "This text contains characters that cannot be saved.",
    "Répondez à au moins une question.": "Answer at least one question.",
    "Vos réponses n'ont pas pu être enregistrées : vérifiez-les.":
        "Your answers could not be saved: please check them.",
    "Répond par": "Answers by", "Nouveau canal": "New channel", "Changer": "Change",
    "Le patient répond par": "The patient answers by",
    "Un proche ou un soignant mesure la fréquence respiratoire et l'état de conscience "
    "(sinon, ils ne sont pas demandés)": "A relative or a carer measures the breathing rate "
    "and the level of consciousness (otherwise they are not asked)",
    "Canal de réponse modifié.": "Answer channel changed.",
    "Heure des rappels modifiée.": "Reminder time changed.",
    "Rappels": "Reminders",
    "à {time}, heure du patient": "at {time}, the patient's time",
    "aux heures prévues": "at the due times",
    "Heure des rappels (vide : aux heures prévues)": "Reminder time (empty: at the due times)",
    # the audit viewer (administrators)
    "Journal d'audit": "Audit trail", "Exporter en CSV": "Export as CSV",
    "Qui a fait quoi, sur quel patient, quand, d'où, et avec quel résultat ; les refus sont "
    "là aussi. Le plus récent d'abord. Chaque recherche et chaque export sont eux-mêmes "
    "inscrits au journal.":
        "Who did what, to which patient, when, from where, and how it ended; refusals too. "
        "Newest first. Every search and every export is itself written to the trail.",
    "Filtrer le journal": "Filter the trail", "Nom, IPP ou identifiant": "Name, IPP or id",
    "Compte": "Account", "Tous": "All", "Action": "Action", "Résultat": "Outcome",
    "Du": "From", "Au": "To", "Effacer": "Clear",
    "Plusieurs patients correspondent : lequel ?": "Several patients match: which one?",
    "Événements du journal, le plus récent d'abord": "Trail events, newest first",
    "Quand": "When", "Qui": "Who", "Adresse IP": "IP address", "Détail": "Detail",
    "Tout le journal de ce patient": "This patient's whole trail",
    "Aucun événement ne correspond.": "No event matches.",
    "Pages du journal": "Trail pages", "‹ Les plus récents": "‹ Newest",
    "Plus anciens ›": "Older ›", "Action non autorisée": "Not allowed",
    "Cette page est réservée aux administrateurs. Votre tentative a été inscrite au journal "
    "d'audit.": "This page is for administrators. Your attempt has been written to the audit "
                "trail.",
    "Cette action est réservée aux infirmiers et chirurgiens qui suivent le patient. Votre "
    "tentative a été inscrite au journal d'audit.": "This action is for the nurses and surgeons "
                                                    "caring for the patient. Your attempt has "
                                                    "been written to the audit trail.",
    "Retour à la file d'alertes": "Back to the alert queue",
    # staff accounts and care teams (administrators)
    "Comptes": "Accounts", "Équipes": "Teams", "Comptes du personnel": "Staff accounts",
    "Tous les comptes": "All accounts", "Sans second facteur : {n}": "Without a second factor: {n}",
    "Code d'enrôlement de {name}": "Enrolment code of {name}",
    "Affiché une seule fois. Remettez-le en main propre ou par téléphone, jamais par e-mail : "
    "avec ce code, et seulement avec lui, la personne active son second facteur à sa première "
    "connexion. Il expire le {at}.":
        "Shown once. Hand it over in person or by phone, never by e-mail: with this code, and "
        "only with it, the person turns on their second factor when they first sign in. It "
        "expires on {at}.",
    "Rôle": "Role", "Second facteur": "Second factor", "Actions": "Actions",
    "désactivé": "deactivated", "Rôle de {name}": "Role of {name}",
    "activé": "on", "pas encore activé": "not yet on",
    "code valable jusqu'au {at}": "code valid until {at}",
    "Nouveau code d'enrôlement": "New enrolment code",
    "Réinitialiser le second facteur": "Reset the second factor",
    "Désactiver": "Deactivate", "Réactiver": "Reactivate", "Aucun compte.": "No account.",
    "Créer un compte": "Create an account", "Nom affiché": "Display name",
    "Téléphone (alertes par SMS)": "Phone (alerts by SMS)",
    "Mot de passe initial (12 caractères au moins)": "Initial password (12 characters or more)",
    "Créer le compte": "Create the account",
    "Compte réactivé.": "Account reactivated.",
    "Compte désactivé : ses connexions en cours sont révoquées.":
        "Account deactivated: its current sign-ins are revoked.",
    "Rôle modifié.": "Role changed.",
    "Équipes de soins": "Care teams", "Téléphone de garde": "On-call phone",
    "Début de journée": "Day starts", "Fin de journée": "Day ends", "Enregistrer": "Save",
    "Membres": "Members", "Retirer {name} de {team}": "Remove {name} from {team}",
    "Retirer": "Remove", "Aucun membre.": "No member.", "Ajouter": "Add",
    "Ajouter à l'équipe": "Add to the team", "Aucune équipe.": "No team.",
    "Créer une équipe": "Create a team",
    "Identifiant (lettres minuscules, chiffres, -)": "Identifier (lowercase letters, digits, -)",
    "Créer l'équipe": "Create the team", "Équipe créée.": "Team created.",
    "Équipe modifiée.": "Team changed.", "Membre ajouté.": "Member added.",
    "Membre retiré.": "Member removed.",
    # protocols as a surgeon reads them
    "Protocoles": "Protocols", "Protocoles de suivi": "Follow-up protocols",
    "Protocoles de suivi, dernière version": "Follow-up protocols, latest version",
    "Dernière version": "Latest version", "Publiée le": "Published",
    "Patients suivis (par version)": "Patients followed (by version)",
    "Aucun protocole.": "No protocol.", "‹ Protocoles": "‹ Protocols", "Versions": "Versions",
    "{n} patient(s) suivi(s)": "{n} patient(s) followed", "Publiée le {at}": "Published {at}",
    "Sources du protocole": "The protocol's sources",
    "Calendrier par jour post-opératoire": "Schedule by post-operative day", "Jour": "Day",
    "À faire (heure du patient, délai avant « manqué »)":
        "To do (patient's time, grace before \u201cmissed\u201d)",
    "À faire": "To do", "exige": "requires", "sans la question": "without the question",
    "Questions posées certains jours seulement": "Questions asked on some days only",
    "Délais de prise en compte des alertes": "Deadlines to acknowledge alerts",
    "avant {t}": "by {t}", "Pas de rappel au patient de {start} à {end}.":
        "No reminder to the patient from {start} to {end}.",
    "Règles d'alerte": "Alert rules",
    "Les règles d'une même cause ouvrent une seule alerte, de la sévérité de sa règle la plus "
    "haute.": "The rules of one cause open a single alert, as severe as its highest rule.",
    "Cause": "Cause", "appel du 15": "call 15", "règle du questionnaire {q}":
        "rule of the questionnaire {q}",
    "Seuils modifiables pour un patient": "Thresholds a surgeon may change for one patient",
    "Pour l'équipe": "For the team", "Conseil au patient": "Advice to the patient",
    "Source": "Source", "Éducation du patient": "Patient education", "Jours": "Days",
    "Titre": "Title", "Texte": "Text",
    # a new protocol version (surgeons)
    "Nouvelle version": "New version", "‹ Version en cours": "‹ Current version",
    "version {v}": "version {v}",
    "Écrite à partir de la version {v}. Rien n'est enregistré avant « Publier » ; les "
    "patients suivis restent sur leur version tant qu'on ne les y passe pas.":
        "Written from version {v}. Nothing is stored before \u201cPublish\u201d; the patients "
        "followed stay on their version until they are moved to it.",
    "Le protocole est refusé :": "The protocol is refused:",
    "Changer des seuils": "Change thresholds", "Règle": "Rule", "Seuil": "Threshold",
    "Seuil {name} de {rule}": "Threshold {name} of {rule}",
    "Vérifier cette version": "Check this version",
    "Ou modifier le fichier du protocole": "Or edit the protocol's file",
    "YAML (le format des fichiers de questionnaires/protocols)":
        "YAML (the format of the files in questionnaires/protocols)",
    "ou téléverser un fichier .yaml (remplace le texte)":
        "or upload a .yaml file (replaces the text)",
    "Vérifier ce fichier": "Check this file", "Vérifier la version {v}": "Check version {v}",
    "‹ Reprendre la saisie": "‹ Back to editing", "version {v} vérifiée": "version {v} checked",
    "Le chargeur de règles accepte cette version. Rejouez-la sur un patient avant de la "
    "publier.": "The rules loader accepts this version. Replay it on a patient before "
                "publishing it.",
    "Seuils changés par rapport à la version {v}": "Thresholds changed from version {v}",
    "Aucun seuil changé (d'autres parties du fichier ont pu l'être).":
        "No threshold changed (other parts of the file may have been).",
    "Rejouer sur les 14 derniers jours d'un patient": "Replay a patient's last 14 days",
    "Patient suivi avec ce protocole": "Patient followed with this protocol",
    "aucun patient de vos équipes": "no patient of your teams", "Rejouer": "Replay",
    "Version en cours ({v})": "Current version ({v})",
    "Nouvelle version ({v})": "New version ({v})",
    "{n} fois, d'abord le {at}": "{n} time(s), first on {at}", "Aucune alerte.": "No alert.",
    "Publier": "Publish",
    "Une version publiée ne change plus. Les nouveaux patients la suivront ; ceux déjà "
    "suivis restent sur la leur tant qu'on ne les y passe pas.":
        "A published version never changes. New patients will follow it; those already "
        "followed stay on theirs until they are moved.",
    "Publier la version {v}": "Publish version {v}",
    "Version {v} publiée : les patients suivis gardent la leur.":
        "Version {v} published: the patients followed keep theirs.",
    "Écrire une nouvelle version": "Write a new version",
    "Cette page est réservée aux chirurgiens. Votre tentative a été inscrite au journal "
    "d'audit.": "This page is for surgeons. Your attempt has been written to the audit trail.",
    "Vos patients suivis avec ce protocole": "Your patients followed with this protocol",
    "Un patient reste sur sa version tant qu'on ne l'en change pas. En passant à la v{v}, ses "
    "seuils propres que cette version ne peut pas appliquer sont arrêtés (et listés).":
        "A patient stays on their version until moved. Moving to v{v} ends the patient's own "
        "thresholds this version cannot apply (they are listed).",
    "Passer {name} à la v{v}": "Move {name} to v{v}", "Passer à la v{v}": "Move to v{v}",
    "Passer les {n} autres à la v{v}": "Move the other {n} to v{v}",
    "{n} patient(s) passé(s) à la version {v}.": "{n} patient(s) moved to version {v}.",
    "Seuils propres au patient arrêtés : {list}.": "Patients' own thresholds ended: {list}.",
    # per-patient thresholds (patient page)
    "Seuils propres au patient": "Patient's own thresholds",
    "Ce patient": "This patient", "Raison": "Reason", "un chirurgien": "a surgeon",
    "Revenir au seuil du protocole": "Back to the protocol's threshold",
    "Aucun : les seuils du protocole s'appliquent.": "None: the protocol's thresholds apply.",
    "Valeur pour ce patient": "Value for this patient",
    "Raison (gardée dans le dossier)": "Reason (kept in the record)",
    "Enregistrer ce seuil": "Save this threshold",
    "La valeur doit rester dans les bornes de la mesure lue par la règle ; "
    "une valeur refusée est expliquée ici.":
        "The value must stay within the range of what the rule reads; a refused value is "
        "explained here.",
    "Seuil propre au patient enregistré ; il s'applique dès la prochaine réponse.":
        "Patient's own threshold saved; it applies from the next answer.",
    "Seuil propre au patient arrêté : le seuil du protocole s'applique.":
        "Patient's own threshold ended: the protocol's threshold applies.",
    # sample answer on a draft version (protocol review page)
    "Essayer sur une réponse saisie": "Try it on a typed answer",
    "Remplissez seulement ce que vous voulez essayer : la réponse est évaluée comme si le "
    "patient l'envoyait maintenant, par la version en cours et par la nouvelle. "
    "Rien n'est enregistré.":
        "Fill in only what you want to try: the answer is evaluated as if the patient sent "
        "it now, by the current version and by the new one. Nothing is stored.",
    "Évaluer cette réponse": "Evaluate this answer",
    "Ce questionnaire n'existe pas dans cette version.":
        "This questionnaire does not exist in this version.",
    "Le patient est invité à appeler le 15.": "The patient is told to call 15.",
    "Scores": "Scores", "Conseil affiché au patient": "Advice shown to the patient",
    "Choisissez un questionnaire de ce protocole.": "Choose a questionnaire of this protocol.",
    # integration clients (client_pages.py, clients.html)
    "Clients d'intégration": "Integration clients", "Intégrations": "Integrations",
    "Client d'intégration : {name}": "Integration client: {name}",
    "Les systèmes de l'hôpital (passerelles d'appareils, DPI) qui appellent Suivi sans "
    "personne derrière : chacun ne voit et n'écrit que les patients de son équipe, dans les "
    "limites de ses droits.":
        "The hospital's systems (device gateways, the patient record) that call Suivi with "
        "no person behind them: each sees and writes only its team's patients, within its "
        "rights.",
    "Client « {name} » créé": "Client “{name}” created",
    "Adresse du jeton": "Token URL",
    "Secret affiché une seule fois : copiez-le dans la configuration du système client par "
    "un canal sûr. Suivi n'en garde qu'une empreinte et ne pourra plus l'afficher.":
        "Secret shown once: copy it into the client system's configuration over a secure "
        "channel. Suivi keeps only a hash of it and cannot show it again.",
    "Ce client s'authentifie par une assertion JWT signée avec sa clé privée ; Suivi la "
    "vérifie avec la clé publique enregistrée.":
        "This client authenticates with a JWT assertion signed with its private key; Suivi "
        "checks it with the registered public key.",
    "Droits": "Rights", "Authentification": "Authentication",
    "Dernière utilisation": "Last used", "révoqué": "revoked", "secret": "secret",
    "assertion JWT signée": "signed JWT assertion", "jamais": "never",
    "Révoquer {name}": "Revoke {name}", "Révoquer": "Revoke",
    "révoqué le {at}": "revoked on {at}", "Aucun client.": "No client.",
    "Créer un client": "Create a client", "Nom du système": "System name",
    "Équipe de soins": "Care team", "Droits (scopes)": "Rights (scopes)",
    "Clé publique (JWKS ou PEM, RS384 ou ES384) — laissez vide pour un secret":
        "Public key (JWKS or PEM, RS384 or ES384) — leave empty for a secret",
    "Créer le client": "Create the client",
    "Client révoqué : ses jetons ne fonctionnent plus.":
        "Client revoked: its tokens no longer work.",
    # consent and the patient's data (RGPD)
    "Consentement": "Consent",
    "Le patient a reçu la notice d'information et accepte le télésuivi":
        "The patient was given the information notice and agrees to remote monitoring",
    "Consentement recueilli": "Consent collected",
    "En face à face": "Face to face", "Par téléphone": "By phone",
    "Par écrit (formulaire signé)": "In writing (signed form)",
    "Consentement et données personnelles": "Consent and personal data",
    "Aucun consentement enregistré dans Suivi.": "No consent recorded in Suivi.",
    "Télésurveillance, notice v{version}, recueilli le {date}":
        "Remote monitoring, notice v{version}, collected on {date}",
    "retiré le {date}": "withdrawn on {date}",
    "Retrait du consentement (arrête le suivi)": "Consent withdrawn (stops the follow-up)",
    "Consentement retiré : le suivi est arrêté.":
        "Consent withdrawn: the follow-up is stopped.",
    "Mes données : copie imprimable pour le patient": "My data: printable copy for the patient",
    "Données de {name}": "Data of {name}",
    "Vos données dans Suivi": "Your data in Suivi",
    "Copie établie le {time} à la demande du patient (RGPD, article 15). Les données "
    "médicales sont conservées 20 ans après la fin du suivi (article R1112-7 du Code de la "
    "santé publique).":
        "Copy made on {time} at the patient's request (GDPR, article 15). Medical data is "
        "kept 20 years after the end of the follow-up (French public health code, article "
        "R1112-7).",
    "Retour au dossier": "Back to the record",
    "Identité": "Identity", "E-mail": "E-mail",
    "Suivis et consentements": "Follow-ups and consents",
    "opération le {date}": "operated on {date}", "arrêté le {date}": "stopped on {date}",
    "Consentement à la télésurveillance (notice v{version}) le {date}":
        "Consent to remote monitoring (notice v{version}) on {date}",
    "Réponses aux questionnaires": "Answers to questionnaires",
    "Mesures": "Readings", "Mesure": "Reading", "Valeur": "Value",
    "Conseils affichés": "Advice shown",
    "(texte effacé après 1 an)": "(text erased after 1 year)",
    "Réponse du patient :": "The patient's reply:",
    "Mes données": "My data",
    "Pour recevoir une copie de toutes vos données (réponses, mesures, messages), ou pour "
    "arrêter le suivi, demandez-le à l'équipe soignante : elle vous remet une copie "
    "imprimée.":
        "To receive a copy of all your data (answers, readings, messages), or to stop the "
        "follow-up, ask the care team: they will give you a printed copy.",
    "Les éléments les plus anciens de certaines rubriques ne figurent pas sur cette page : "
    "la copie complète est disponible auprès de l'équipe.":
        "The oldest items of some sections are not on this page: the full copy is "
        "available from the team.",
    # the INS on the enrolment form and the patient's header
    "Matricule INS (NIR, facultatif)": "INS number (NIR, optional)",
    "Statut de l'identité (INS)": "Identity status (INS)",
    "Le matricule INS et son statut, tels que le bureau des entrées les a vérifiés "
    "(identitovigilance) ; « qualifiée » seulement après l'appel au téléservice INSi et la "
    "vérification d'une pièce d'identité. Sans statut, l'identité est provisoire.":
        "The INS number and its status as the admissions office checked them (identity "
        "vigilance); \"qualified\" only after the INSi teleservice was called and an identity "
        "document checked. Without a status, the identity is provisional.",
    "INS": "INS",
    "Modifier l'INS": "Change the INS", "Matricule INS (NIR)": "INS number (NIR)",
    "Enregistrer l'INS": "Save the INS",
    "Identité nationale de santé modifiée.": "National health identity changed.",
}
EN.update(INDICATORS_EN)
