"""The INS (Identité Nationale de Santé): its matricule, the NIR, and how far the
identity was checked (identitovigilance: provisoire, récupérée, validée, qualifiée)."""

from __future__ import annotations

import re

INS_STATUSES = ("provisoire", "recupere", "valide", "qualifie")
# Sex (1, 2; 3, 4, 7, 8 for temporary numbers), year, month, département (2A/2B:
# Corsica), commune, order, key.
NIR = re.compile(r"^[1-478][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}[0-9]{2}$")
# Corsica's départements are counted as 19 (2A) and 18 (2B) in the key.
CORSICA = {"2A": "19", "2B": "18"}


def normal_nir(text: str) -> str:
    """The NIR as stored and compared: spaces removed, upper case."""
    return re.sub(r"\s+", "", text).upper()


def nir_error(text: str) -> str | None:
    """Why ``text`` is not a NIR (15 characters and a right key), or None."""
    nir = normal_nir(text)
    if not NIR.match(nir):
        return ("15 caractères attendus : 13 chiffres (2A ou 2B pour la Corse) puis la clé "
                "de 2 chiffres")
    body = nir[:5] + CORSICA.get(nir[5:7], nir[5:7]) + nir[7:13]
    if 97 - int(body) % 97 != int(nir[13:]):
        return "la clé ne correspond pas au numéro (erreur de saisie ?)"
    return None
