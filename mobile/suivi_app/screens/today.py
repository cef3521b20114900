"""Home: today's tasks, the teleconsultation link, the education for today."""

from kivy.app import App
from kivy.properties import BooleanProperty, DictProperty, StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app import theme
from suivi_app.core import i18n
from suivi_app.core.api import AuthError
from suivi_app.core.service import TodayView
from suivi_app.kvload import load_kv
from suivi_app.widgets import BigButton, Body, Card, SecondaryButton, TaskButton, Title


class TodayScreen(Screen):
    hello = StringProperty("")
    day = StringProperty("")
    offline = BooleanProperty(False)  # showing the phone's copy
    message = StringProperty("")
    teleconsultation = DictProperty({})
    appointment = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        # Redrawn from the phone's copy while the server is asked again: not "offline"
        # unless the last attempt was.
        view = App.get_running_app().service.cached_view(self.offline)
        if view is not None:
            self.show(view)

    def refresh(self) -> None:
        app = App.get_running_app()
        app.worker.run(app.service.refresh, self.show, self._failed)

    def show(self, view: TodayView) -> None:
        app = App.get_running_app()
        patient, lang = app.service.patient, app.lang
        self.hello = app.tr("today.hello", name=patient.get("given_name", ""))
        self.day = i18n.post_op_day(view.today.get("post_op_day"), lang)
        self.offline, self.message = view.offline, ""
        self.show_notices()
        self._tasks(view, lang)
        self.teleconsultation = view.today.get("teleconsultation") or {}
        if self.teleconsultation:
            self.appointment = i18n.appointment(self.teleconsultation["starts_at"],
                                                patient.get("timezone"), lang)
        self._education(view.today.get("education", []))
        app.reminders.plan()  # today's tasks may have changed

    def show_notices(self) -> None:
        """The advice of answers that left the phone after the patient had closed them (the
        network came back): one card each until the patient says they have read it."""
        app = App.get_running_app()
        box = self.ids.notices
        box.clear_widgets()
        timezone = app.service.patient.get("timezone")
        for notice in app.service.notices():
            emergency = notice["call_emergency"]
            card = Card(stripe=theme.EMERGENCY if emergency else theme.DONE)
            card.add_widget(Title(text=app.tr("notice.title", when=i18n.moment(
                notice["answered_at"], timezone, app.lang)), font_size=theme.BODY))
            texts = [a["text"] for a in notice["advice"]] or [app.tr("advice.none")]
            for text in texts:
                card.add_widget(Body(text=i18n.typeset(text)))
            if emergency:
                call = BigButton(text=app.tr("advice.call"), fill=theme.EMERGENCY)
                call.bind(on_release=lambda _b: app.open_url("tel:15"))
                card.add_widget(call)
            seen = SecondaryButton(text=app.tr("notice.read"))
            seen.bind(on_release=lambda _b, key=notice["key"]: self.read(key))
            card.add_widget(seen)
            box.add_widget(card)

    def read(self, key: str) -> None:
        App.get_running_app().service.read(key)
        self.show_notices()

    def _tasks(self, view: TodayView, lang: str) -> None:
        app = App.get_running_app()
        box = self.ids.tasks
        box.clear_widgets()
        for task in view.today.get("tasks", []):
            title = (view.titles.get(task["questionnaire"], task["questionnaire"])
                     if task["questionnaire"] else
                     i18n.reading_name(task["reading"], lang).capitalize())
            status = app.service.status(task)
            if status != "done" and app.service.has_draft(task):
                status = "started"
            button = TaskButton(task=task, title=title, status=status)
            button.bind(on_release=lambda b: App.get_running_app().open_task(b.task))
            box.add_widget(button)
        if not box.children:
            box.add_widget(Body(text=app.tr("today.no_tasks")))

    def _education(self, items: list[dict]) -> None:
        box = self.ids.education
        box.clear_widgets()
        for item in items:
            card = Card(stripe=theme.PRIMARY)
            card.add_widget(Title(text=i18n.typeset(item["title"]), font_size=theme.BODY))
            card.add_widget(Body(text=i18n.typeset(item["body"])))
            box.add_widget(card)

    def _failed(self, error: Exception) -> None:
        app = App.get_running_app()
        if isinstance(error, AuthError):
            app.unlinked(error.for_patient)
        else:
            self.message = app.error_text(error)

    def join(self) -> None:
        App.get_running_app().open_url(self.teleconsultation["join_url"])


load_kv(__file__)
