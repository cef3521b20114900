"""The web form asks every item as the app does: the app cannot import the server's code
(buildozer ships mobile/ alone), so the two copies are checked against each other."""

from __future__ import annotations

import pytest
from suivi_app.core.questionnaire import input_kind as app_input_kind
from suivi_app.core.questionnaire import scale_values

from backend.web.form_fields import _bounds, input_kind
from rules.loader import load_questionnaires

QUESTIONNAIRES, _ = load_questionnaires()
ITEMS = [(q.slug, item) for q in QUESTIONNAIRES.values() for item in q.items]


@pytest.mark.parametrize("slug, item", ITEMS, ids=[f"{s}.{i.link_id}" for s, i in ITEMS])
def test_each_item_is_asked_as_the_app_asks_it(slug, item):
    definition = item.to_dict("fr")
    assert input_kind(item) == app_input_kind(definition)
    if input_kind(item) == "scale":
        low, high = _bounds(item)
        assert list(range(int(low), int(high) + 1)) == scale_values(definition)
