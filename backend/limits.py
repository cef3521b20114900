"""How much one request may carry: one constant per concept, read by the API's schemas,
the web forms and the services alike, so every edge refuses the same input (a 4xx naming
the field, nothing stored). README's "Limits" lists them."""

from __future__ import annotations

# Readings in one submission, one batch (POST /me/readings) or one protocol dry run.
READINGS_PER_BATCH = 500
# Answers in one submission: one per item of the questionnaire (the longest shipped one
# has 16; tests/content keeps every shipped questionnaire within this).
ANSWERS_PER_SUBMISSION = 100
# A protocol dry run: its sample submissions, its per-rule overrides, and how far before
# the run's `now` its samples may lie (the longest look-back of a shipped rule is days).
DRY_RUN_SUBMISSIONS = 100
DRY_RUN_OVERRIDES = 100
DRY_RUN_DAYS = 31
# Nurses' notes on one alert, and the length of a note (also the note that resolves it).
NOTES_PER_ALERT = 20
NOTE_LENGTH = 2000
# The reason given for a snooze, an override, an SpO2 scale or a teleconsultation.
REASON_LENGTH = 500
# A patient's messages kept on one "message to read" item: beyond, the earliest after the
# first are counted (and stay in the timeline), never dropped unseen.
MESSAGES_PER_ITEM = 20
# Points of one chart series: beyond, one bar a day from the lowest to the highest value,
# computed by the database, so no abnormal value is hidden and no page loads every row.
CHART_POINTS = 60
# Failed deliveries kept on one "patient unreachable" item (the latest; every message,
# with its status, stays on the patient's page).
FAILURES_PER_ITEM = 10
# Messages on one page of a patient's messages (the web page and the API's default).
MESSAGES_PER_PAGE = 20
# Weeks of indicators in one request, one page or one CSV export (a year).
INDICATOR_WEEKS = 53
# The patient's own values in the app (GET /me/values): how far back, and the newest
# values kept per series (a reading a day for a month; a device sending more shows its
# latest ones).
MY_VALUES_DAYS = 30
MY_VALUES_PER_SERIES = 60
# FHIR searches (/fhir/R4): resources on one page of a Bundle (the default and the most a
# `_count` may ask), and the values one search parameter may repeat.
FHIR_PAGE = 20
FHIR_PAGE_MAX = 100
FHIR_SEARCH_VALUES = 10
# A patient's answers whose scores an Observation search reads (newest first): a
# follow-up has a few a day for weeks.
FHIR_SCORED_SUBMISSIONS = 1000
# Patient/{id}/$everything: at most this many resources of each type, newest first (a
# follow-up of weeks holds far fewer); beyond, an OperationOutcome entry says which types
# were cut, to be read in full by their own searches (_count, _offset).
FHIR_EVERYTHING_PER_TYPE = 1000
# A Communication search merges two tables, reading ``_offset`` rows of each: no further.
FHIR_MERGED_OFFSET = 1000
