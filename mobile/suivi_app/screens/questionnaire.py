"""One question per page: big answer buttons, a number pad entry for readings."""

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from suivi_app.core import i18n
from suivi_app.core.questionnaire import (
    QuestionnaireSession,
    input_kind,
    scale_values,
    unit_choices,
    unit_label,
)
from suivi_app.kvload import load_kv
from suivi_app.widgets import AnswerButton, Body


class ScaleAnswer(BoxLayout):
    """0-10 as eleven big buttons in two rows, between the scale's two anchor labels."""

    min_label = StringProperty("")
    max_label = StringProperty("")


class TypedAnswer(BoxLayout):
    """A typed answer: a number with its unit (number keypad), a date or free text."""

    kind = StringProperty("number")
    unit = StringProperty("")


class ScaleButton(AnswerButton):
    """One key of a 0-10 scale."""


class UnitChoice(BoxLayout):
    """The units a reading may be entered in, as big toggle buttons (one is always on)."""


class UnitButton(AnswerButton):
    """One unit of a UnitChoice; ``selected`` when it is the unit of the answer."""


class QuestionnaireScreen(Screen):
    session: QuestionnaireSession | None = None
    entry: TypedAnswer | None = None  # the page's (first) typed answer, if it has one
    entries: dict[str, TypedAnswer]  # link_id → its typed answer (two for a blood pressure)
    task = ObjectProperty(None, allownone=True)
    amend_key = StringProperty("", allownone=True)
    heading = StringProperty("")
    progress_text = StringProperty("")
    progress = NumericProperty(0)
    question = StringProperty("")
    help = StringProperty("")
    error = StringProperty("")
    note = StringProperty("")  # a word on the first page shown (a resumed draft)
    next_text = StringProperty("")
    first_page = BooleanProperty(True)
    sending = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries = {}

    def start(self, session: QuestionnaireSession, task: dict | None = None,
              amend_key: str | None = None, error: str = "", note: str = "") -> None:
        self.session, self.task, self.amend_key = session, task, amend_key
        self.heading = session.definition.get("title") or ""
        self.sending = False
        self.show_page(error)
        self.note = note

    def keep_typed(self) -> None:
        """What is in the entry boxes joins the answers (even unfinished: it is a draft)."""
        for link_id, entry in self.entries.items():
            if entry.ids.entry.text.strip():
                self.session.set_text(entry.ids.entry.text, link_id)

    def _read_entries(self) -> str | None:
        """The typed answers into the session; the first thing wrong with them."""
        errors = [self.session.set_text(entry.ids.entry.text, link_id)
                  for link_id, entry in self.entries.items()]
        return next((e for e in errors if e), None)

    def show_page(self, error: str = "") -> None:
        session, app = self.session, App.get_running_app()
        item = session.current
        number, total = session.position
        self.progress_text = app.tr("q.progress", n=number, total=total)
        self.progress = number / total
        self.question, self.help = i18n.typeset(item["text"]), i18n.typeset(item.get("help") or "")
        if len(session.page) > 1:  # a blood pressure: both numbers of the monitor
            self.question, self.help = app.tr("q.bp"), app.tr("q.bp_help")
        self.error = error
        self.note = ""
        self.first_page = number == 1
        self._build_answers(item)
        self._update_next()
        self.ids.scroll.scroll_y = 1

    # -- the answer widgets of one page --------------------------------------------------
    def _build_answers(self, item: dict) -> None:
        box, kind = self.ids.answers, input_kind(item)
        box.clear_widgets()
        self.entry, self.entries = None, {}
        if len(self.session.page) > 1:
            for each in self.session.page:
                box.add_widget(Body(text=App.get_running_app().tr(f"q.bp.{each['reading']}"),
                                    bold=True))
                box.add_widget(self._typed(each, kind))
        elif kind == "scale":
            low, high = scale_values(item)[0], scale_values(item)[-1]
            scale = ScaleAnswer(min_label=_anchor(low, item.get("min_label")),
                                max_label=_anchor(high, item.get("max_label")))
            self._buttons(scale.ids.grid, [(n, str(n)) for n in scale_values(item)], tick=False,
                          kind=ScaleButton)
            box.add_widget(scale)
        elif kind == "yes_no":
            app = App.get_running_app()
            self._buttons(box, [(True, app.tr("q.yes")), (False, app.tr("q.no"))])
        elif kind in ("choice", "multi_choice"):
            self._buttons(box, [(c["code"], i18n.typeset(c["text"]))
                                for c in item.get("choices", [])])
        else:
            if len(unit_choices(item)) > 1:  # above the entry: the keyboard never hides it
                choice = UnitChoice()
                for unit in unit_choices(item):
                    button = UnitButton(value=unit, label=unit_label(item, unit))
                    button.bind(on_release=lambda b: self.choose_unit(b.value))
                    choice.ids.units.add_widget(button)
                box.add_widget(choice)
            box.add_widget(self._typed(item, kind))
        self._mark_selected()

    def _typed(self, item: dict, kind: str) -> TypedAnswer:
        link_id = item["link_id"]
        entry = TypedAnswer(kind=kind, unit=unit_label(item, self.session.unit(link_id)))
        entry.ids.entry.text = _shown(self.session.value(link_id), App.get_running_app().lang)
        entry.ids.entry.bind(text=lambda *_: self._update_next())
        self.entries[link_id] = entry
        self.entry = self.entry or entry
        return entry

    def _buttons(self, box, options, tick: bool = True, kind=AnswerButton) -> None:
        for value, label in options:
            button = kind(value=value, label=label, tick=tick)
            button.bind(on_release=lambda b: self.choose(b.value))
            box.add_widget(button)

    def answer_buttons(self) -> list:
        """Every answer button of the page (also for the tests that tap them)."""
        return [w for w in self.ids.answers.walk(restrict=True)
                if isinstance(w, AnswerButton) and not isinstance(w, UnitButton)]

    def unit_buttons(self) -> list:
        """The page's unit buttons, if its reading can be entered in several units."""
        return [w for w in self.ids.answers.walk(restrict=True) if isinstance(w, UnitButton)]

    def _mark_selected(self) -> None:
        chosen = self.session.value()
        for button in self.answer_buttons():
            button.selected = (button.value in chosen if isinstance(chosen, list)
                               else button.value == chosen and chosen is not None)
        unit = self.session.unit()
        for button in self.unit_buttons():
            button.selected = button.value == unit

    def choose_unit(self, unit: str) -> None:
        self.session.set_unit(unit)
        if self.entry is not None:
            self.entry.unit = unit_label(self.session.current, unit)
        self.error = ""
        self._mark_selected()

    def choose(self, value) -> None:
        if self.session.current["type"] == "multi_choice":
            chosen = list(self.session.value() or [])
            if value in chosen:
                chosen.remove(value)
            else:
                chosen.append(value)
            value = chosen
        self.session.set(value)
        self.error = ""
        self._mark_selected()
        self._update_next()

    def _update_next(self) -> None:
        app, session = App.get_running_app(), self.session
        blank = (not any(e.ids.entry.text.strip() for e in self.entries.values())
                 if self.entries else session.value() in (None, []))
        if session.is_last:
            self.next_text = app.tr("q.send")
        elif blank and not session.current.get("required", True):
            self.next_text = app.tr("q.skip")
        else:
            self.next_text = app.tr("q.next")

    # -- navigation ----------------------------------------------------------------------
    def next(self) -> None:
        if self.sending:
            return
        error = self._read_entries()
        if error:
            self.error = error
            return
        was_last = self.session.is_last
        error = self.session.next()
        if error:
            self.error = error
        elif was_last:
            self.sending, self.next_text = True, App.get_running_app().tr("q.sending")
            App.get_running_app().send_answers(self.session, self.task, self.amend_key)
        else:
            self.show_page()

    def previous(self) -> None:
        self._read_entries()
        self.session.previous()
        self.show_page()

    def refused(self, key: str, link_id: str | None, message: str) -> None:
        """The server refused the answers: back to the page to correct; sending again
        corrects that same answer (its outbox item), it does not add another."""
        self.sending, self.amend_key = False, key
        if link_id:
            self.session.go_to(link_id)
        self.show_page(App.get_running_app().tr("q.refused", message=message))


def _anchor(value: int, label: str | None) -> str:
    return f"{value} : {label}" if label else ""


def _shown(value, lang: str) -> str:
    """A stored answer back in the entry box (39.2 shows as 39,2 in French)."""
    if value is None:
        return ""
    text = str(value)
    return text.replace(".", ",") if lang == "fr" and isinstance(value, float) else text


load_kv(__file__)
