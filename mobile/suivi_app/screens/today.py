"""Home: today's tasks, the teleconsultation link, the education for today."""

from kivy.app import App
from kivy.properties import BooleanProperty, DictProperty, StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app import theme
from suivi_app.core import i18n
from suivi_app.core.api import AuthError
from suivi_app.core.service import TodayView
from suivi_app.kvload import load_kv
from suivi_app.widgets import Body, Card, TaskButton, Title


class TodayScreen(Screen):
    hello = StringProperty("")
    day = StringProperty("")
    offline = BooleanProperty(False)  # showing the phone's copy
    message = StringProperty("")
    teleconsultation = DictProperty({})
    appointment = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        view = App.get_running_app().service.cached_view()
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
        self._tasks(view, lang)
        self.teleconsultation = view.today.get("teleconsultation") or {}
        if self.teleconsultation:
            self.appointment = i18n.appointment(self.teleconsultation["starts_at"],
                                                patient.get("timezone"), lang)
        self._education(view.today.get("education", []))

    def _tasks(self, view: TodayView, lang: str) -> None:
        box = self.ids.tasks
        box.clear_widgets()
        for task in view.today.get("tasks", []):
            title = (view.titles.get(task["questionnaire"], task["questionnaire"])
                     if task["questionnaire"] else
                     i18n.reading_name(task["reading"], lang).capitalize())
            button = TaskButton(task=task, title=title, status=task["status"])
            button.bind(on_release=lambda b: App.get_running_app().open_task(b.task))
            box.add_widget(button)
        if not box.children:
            box.add_widget(Body(text=App.get_running_app().tr("today.no_tasks")))

    def _education(self, items: list[dict]) -> None:
        box = self.ids.education
        box.clear_widgets()
        for item in items:
            card = Card(stripe=theme.PRIMARY)
            card.add_widget(Title(text=item["title"], font_size=theme.BODY))
            card.add_widget(Body(text=item["body"]))
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
