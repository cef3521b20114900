"""English text of the web pages, keyed by their French text (see i18n._)."""

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
}
