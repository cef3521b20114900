"""Settings: language, text size, the glucose unit of the patient's meter, the hour
reminders come, whether this phone reminds the patient by itself (on unless turned off;
kept on the phone: suivi_app.core.reminders), the way to "Mes données" (the patient's
own data, a copy to save), and unlinking this phone (asked twice; refused while answers
wait to be sent).

The reminder hour is the patient's choice kept by the server (it sends the reminders): a
questionnaire due later in the day is reminded at that hour, never after it is due; the
ward's times otherwise. Choosing it needs the network; the choice shows once the server
took it."""

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app.core.questionnaire import UNITS
from suivi_app.kvload import load_kv
from suivi_app.widgets import AnswerButton

LANGUAGES = (("fr", "Français"), ("en", "English"))
GLUCOSE_UNITS = ("g/L", "mmol/L", "mg/dL")
# Morning hours first: most questionnaires are due in the morning, and a reminder never
# comes after a questionnaire is due. None before 08:00 nor after 20:00: the protocols'
# quiet hours (21:00 to 08:00 by default) hold reminders then; the server refuses such an
# hour with the protocol's own quiet hours.
REMINDER_TIMES = ("08:00", "09:00", "10:00", "12:00", "18:00")
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
        self._choices(self.ids.reminder_times,
                      [(None, app.tr("settings.reminder_ward")),
                       *[(t, app.tr("settings.reminder_at", time=t)) for t in REMINDER_TIMES]],
                      service.reminder_time, self.choose_reminder_time)
        self._choices(self.ids.local_reminders,
                      [(True, app.tr("settings.local_on")),
                       (False, app.tr("settings.local_off"))],
                      service.local_reminders, self.choose_local_reminders)

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

    def choose_local_reminders(self, on: bool) -> None:
        App.get_running_app().set_local_reminders(on)
        self.build_choices()

    def choose_reminder_time(self, value: str | None) -> None:
        app = App.get_running_app()
        self.message = ""

        def done(_chosen) -> None:
            app.reminders.plan()  # today's tasks came back with their new reminder times
            self.build_choices()

        app.worker.run(lambda: app.service.set_reminder_time(value), done,
                       lambda error: setattr(self, "message", app.error_text(error)))

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
