"""After sending: the advice to follow now, and a red banner when 15 must be called."""

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app import theme
from suivi_app.kvload import load_kv
from suivi_app.widgets import Body, Card

STRIPES = {"high": theme.EMERGENCY, "medium": theme.MISSED, "low": theme.PRIMARY}
EMERGENCY_NUMBER = "tel:15"


class AdviceScreen(Screen):
    emergency = BooleanProperty(False)
    queued = BooleanProperty(False)  # still on the phone: no advice from the server yet
    status = StringProperty("")

    def show_result(self, result: dict | None) -> None:
        """``result`` is the server's answer to the submission; None: still on the phone."""
        app = App.get_running_app()
        box = self.ids.advice
        box.clear_widgets()
        self.emergency = bool(result and result.get("call_emergency"))
        self.queued = result is None
        if result is None:
            self.status = app.tr("advice.queued")
            texts = [(app.tr("advice.if_unwell"), "high")]
        else:
            self.status = app.tr("advice.sent")
            texts = [(a["text"], a.get("severity")) for a in result.get("advice", [])]
            texts = texts or [(app.tr("advice.none"), None)]
        for text, severity in texts:
            card = Card(stripe=STRIPES.get(severity, theme.DONE))
            card.add_widget(Body(text=text))
            box.add_widget(card)
        self.ids.scroll.scroll_y = 1

    def call_emergency(self) -> None:
        App.get_running_app().open_url(EMERGENCY_NUMBER)


load_kv(__file__)
