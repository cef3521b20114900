"""Settings: language, text size, the glucose unit of the patient's meter, and unlinking
this phone (asked twice; refused while answers wait to be sent).

Reminder times are not here: the protocol sets them (the ward's schedule), the server
sends the reminders, and it has no per-patient reminder time yet."""

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app.core.questionnaire import UNITS
from suivi_app.kvload import load_kv
from suivi_app.widgets import AnswerButton

LANGUAGES = (("fr", "Français"), ("en", "English"))
GLUCOSE_UNITS = ("g/L", "mmol/L", "mg/dL")
assert set(GLUCOSE_UNITS) <= set(UNITS["glucose"])


class SettingsScreen(Screen):
    confirming = BooleanProperty(False)  # "unlink" tapped once: the confirmation shows
    message = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        self.confirming, self.message = False, ""
        self.build_choices()

    def build_choices(self) -> None:
        app = App.get_running_app()
        service = app.service
        self._choices(self.ids.languages, [(code, name) for code, name in LANGUAGES],
                      service.lang, self.choose_language)
        self._choices(self.ids.text_sizes,
                      [(1.0, app.tr("settings.text_normal")),
                       (1.3, app.tr("settings.text_large"))],
                      service.text_size, self.choose_text_size)
        self._choices(self.ids.glucose_units, [(u, u) for u in GLUCOSE_UNITS],
                      service.units.get("glucose"), self.choose_glucose_unit)

    def _choices(self, box, options, chosen, action) -> None:
        box.clear_widgets()
        for value, label in options:
            button = AnswerButton(value=value, label=label, selected=value == chosen)
            button.bind(on_release=lambda b: action(b.value))
            box.add_widget(button)

    def choose_language(self, lang: str) -> None:
        App.get_running_app().set_language(lang)
        self.build_choices()

    def choose_text_size(self, size: float) -> None:
        App.get_running_app().set_text_size(size)  # rebuilds the screens, this one too

    def choose_glucose_unit(self, unit: str) -> None:
        App.get_running_app().service.set_unit("glucose", unit)
        self.build_choices()

    def unlink(self) -> None:
        app = App.get_running_app()
        if app.waiting:
            self.message = app.tr("settings.unlink_waiting")
            return
        if not self.confirming:
            self.confirming = True
            return
        self.message = app.tr("settings.unlinking")
        app.worker.run(app.service.unlink, lambda _r: app.unlinked(app.tr("settings.unlinked")),
                       lambda error: setattr(self, "message", app.error_text(error)))


load_kv(__file__)
