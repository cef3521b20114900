"""SMS replies read as people type them, in French and English; anything else is unclear."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.sms_replies import (
    NUMBER_WORDS,
    is_courtesy,
    parse_choice,
    parse_number,
    parse_reply,
    parse_yes_no,
)

FRENCH = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix"]
ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten"]
DECORATIONS = st.sampled_from(["", " ", "!", ".", " !", "  ", "?", " merci", " ok"])


@pytest.mark.parametrize("text, value", [
    ("8", 8), ("8/10", 8), ("8 / 10", 8), ("8 sur 10", 8), ("huit", 8), ("Huit !", 8),
    ("HUIT/10", 8), ("eight", 8), ("Eight out of 10", 8), ("10/10", 10), ("0", 0),
    ("zéro", 0), ("Zero.", 0), ("dix", 10), ("38,5", Decimal("38.5")),
    ("38.5", Decimal("38.5")), ("38,5 °C", Decimal("38.5")), ("38,5°C", Decimal("38.5")),
    ("37.8 degrés", Decimal("37.8")), ("8 merci", 8),
])
def test_numbers(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", [
    "OK merci", "ok", "merci", "j'ai 8 de tension et très mal", "8 9", "huit neuf",
    "beaucoup", "", "   ", "oui", "non", "-3", "8/", "1000", "38,555", "deux mille",
])
def test_not_numbers(text):
    assert parse_number(text) is None


@given(n=st.integers(0, 10), words=st.sampled_from([FRENCH, ENGLISH, None]),
       suffix=st.sampled_from(["", "/10", " / 10", " sur 10", " out of 10"]),
       upper=st.booleans(), after=DECORATIONS)
def test_any_way_of_writing_0_to_10(n, words, suffix, upper, after):
    text = (words[n] if words else str(n)) + suffix
    text = (text.upper() if upper else text) + after
    assert parse_number(text) == n


@given(st.text(alphabet=st.characters(categories=["L", "P", "Zs"]), max_size=30))
def test_words_without_digits_are_a_number_only_when_a_number_word(text):
    value = parse_number(text)
    assert value is None or 0 <= value <= 10


@pytest.mark.parametrize("text, value", [
    ("oui", True), ("Oui !", True), ("OUI.", True), ("o", True), ("yes", True), ("Y", True),
    ("ouais", True), ("oui merci", True), ("non", False), ("Non.", False), ("NON !!", False),
    ("n", False), ("no", False), ("No thanks", False), ("non merci", False),
])
def test_yes_and_no(text, value):
    assert parse_yes_no(text) is value


@pytest.mark.parametrize("text", ["OK merci", "ok", "8", "oui non", "peut-être", "bof", ""])
def test_not_yes_or_no(text):
    assert parse_yes_no(text) is None


def test_choices_are_read_by_what_the_question_says_to_type():
    choices = {"1": "none", "2": "on_exertion", "3": "at_rest"}
    assert parse_choice("2", choices) == "on_exertion"
    assert parse_choice(" 3. ", choices) == "at_rest"
    assert parse_choice("Trois", choices) == parse_choice("three", choices) == "at_rest"
    assert parse_choice("4", choices) is None
    assert parse_choice("2 3", choices) is None


@pytest.mark.parametrize("text", ["OK merci", "Ok, merci !", "Merci beaucoup", "thanks",
                                  "Thank you!", "d'accord", "D’accord merci", "Bien reçu"])
def test_courtesy_is_nothing_to_answer(text):
    assert is_courtesy(text)
    assert parse_reply("number", text).unclear
    assert parse_reply("yes_no", text).unclear


@pytest.mark.parametrize("text", ["8", "j'ai mal", "oui", "STOP", ""])
def test_words_that_are_not_courtesy(text):
    assert not is_courtesy(text)


def test_no_to_an_optional_number_question_skips_it():
    assert parse_reply("number", "non", skip=True).skip
    assert parse_reply("number", "No.", skip=True).skip
    assert parse_reply("number", "non", skip=False).unclear
    assert parse_reply("number", "oui", skip=True).unclear
    assert parse_reply("number", "38,2", skip=True).value == Decimal("38.2")


def test_every_number_word_is_0_to_10():
    assert set(NUMBER_WORDS.values()) == set(range(11))


@given(st.text(max_size=200), st.sampled_from(["number", "yes_no", "choice"]), st.booleans())
def test_any_text_is_read_or_unclear_never_an_error(text, kind, skip):
    reply = parse_reply(kind, text, {"1": "none", "2": "some"}, skip)
    assert reply.unclear or reply.skip or reply.value is not None
