"""First launch: the patient types the activation code given at discharge."""

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app import widgets  # noqa: F401  (the classes activation.kv uses)
from suivi_app.core.service import valid_code
from suivi_app.kvload import load_kv


class ActivationScreen(Screen):
    message = StringProperty("")
    busy = BooleanProperty(False)

    def activate(self) -> None:
        app = App.get_running_app()
        code = self.ids.code_input.text
        if not valid_code(code):
            self.message = app.tr("activation.bad_length")
            return
        self.busy, self.message = True, app.tr("activation.busy")
        app.worker.run(lambda: app.service.activate(code), self._activated, self._refused)

    def _activated(self, _patient: dict) -> None:
        self.busy, self.message = False, ""
        self.ids.code_input.text = ""
        App.get_running_app().activated()

    def _refused(self, error: Exception) -> None:
        self.busy = False
        self.message = App.get_running_app().error_text(error, "activation.refused")


load_kv(__file__)
