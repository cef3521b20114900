"""After sending: the advice to follow now, and a red banner when 15 must be called.

Also what a task already answered shows when opened again (when it was answered, its
advice, "answer again"), and a task whose answer still waits on the phone."""

from kivy.app import App
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app import theme
from suivi_app.core import i18n
from suivi_app.kvload import load_kv
from suivi_app.widgets import Body, Card

STRIPES = {"high": theme.EMERGENCY, "medium": theme.MISSED, "low": theme.PRIMARY}
EMERGENCY_NUMBER = "tel:15"


class AdviceScreen(Screen):
    emergency = BooleanProperty(False)
    queued = BooleanProperty(False)  # still on the phone: no advice from the server yet
    status = StringProperty("")
    again_task = ObjectProperty(None, allownone=True)  # a done task the patient may redo

    def show_result(self, result: dict | None) -> None:
        """``result`` is the server's answer to the submission; None: still on the phone."""
        app = App.get_running_app()
        self.again_task = None
        self.emergency = bool(result and result.get("call_emergency"))
        self.queued = result is None
        if result is None:
            self.status = app.tr("advice.queued")
            self._cards([(app.tr("advice.if_unwell"), "high")])
        else:
            self.status = app.tr("advice.sent")
            self._cards(_texts(result) or [(app.tr("advice.none"), None)])

    def show_done(self, task: dict, record: dict | None) -> None:
        """A task already answered: when, the advice this phone was given, and the way to
        answer again (a new symptom later in the day)."""
        app = App.get_running_app()
        at = (record or {}).get("at") or task.get("answered_at")
        self.status = (app.tr("done.title", when=i18n.moment(
            at if isinstance(at, str) else at.isoformat(),
            app.service.patient.get("timezone"), app.lang)) if at
            else app.tr("done.title_unknown"))
        self.emergency, self.queued, self.again_task = False, False, task
        self._cards(_texts(record or {}) or [(app.tr("advice.none"), None)])

    def show_waiting(self) -> None:
        """A task whose answer is still on the phone: it was answered, it is not missed."""
        app = App.get_running_app()
        self.emergency, self.queued, self.again_task = False, True, None
        self.status = app.tr("waiting.title")
        self._cards([(app.tr("advice.if_unwell"), "high")])

    def _cards(self, texts: list) -> None:
        box = self.ids.advice
        box.clear_widgets()
        for text, severity in texts:
            card = Card(stripe=STRIPES.get(severity, theme.DONE))
            card.add_widget(Body(text=i18n.typeset(text)))
            box.add_widget(card)
        self.ids.scroll.scroll_y = 1

    def answer_again(self) -> None:
        App.get_running_app().open_task(self.again_task, again=True)

    def call_emergency(self) -> None:
        App.get_running_app().open_url(EMERGENCY_NUMBER)


def _texts(result: dict) -> list[tuple[str, str | None]]:
    return [(a["text"], a.get("severity")) for a in result.get("advice", [])]


load_kv(__file__)
