"""The Kivy patient app: screens over the GUI-free core (suivi_app.core)."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import Metrics
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from suivi_app import settings, theme
from suivi_app.alarms import LocalReminders
from suivi_app.core import i18n
from suivi_app.core.api import AuthError, NetworkError, ServerError
from suivi_app.core.outbox import Item, SyncReport
from suivi_app.core.service import PatientService
from suivi_app.notify import Notifier, default_notifier
from suivi_app.push import NoPushTokens, PushTokenSource
from suivi_app.screens.activation import ActivationScreen
from suivi_app.screens.advice import AdviceScreen
from suivi_app.screens.contact import ContactScreen
from suivi_app.screens.mydata import MyDataScreen
from suivi_app.screens.questionnaire import QuestionnaireScreen
from suivi_app.screens.settings import SettingsScreen
from suivi_app.screens.today import TodayScreen
from suivi_app.screens.values import ValuesScreen
from suivi_app.worker import Worker


class SuiviApp(App):
    title = "Suivi"
    lang = StringProperty("fr")
    waiting = NumericProperty(0)  # answers in the outbox
    to_fix = NumericProperty(0)  # of which the server refused

    def __init__(self, server_url: str = settings.SERVER_URL,
                 open_url: Callable[[str], object] = webbrowser.open,
                 notifier: Notifier | None = None, push: PushTokenSource | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.server_url = server_url
        self._open_url = open_url
        self.notifier = notifier or default_notifier()
        self.push = push or NoPushTokens()

    def build(self) -> ScreenManager:
        # The phone's own text size (Android's accessibility setting, or
        # KIVY_METRICS_FONTSCALE): the patient's choice in the settings multiplies it.
        self._phone_fontscale = Metrics.fontscale
        Window.clearcolor = theme.PAPER
        Window.softinput_mode = "below_target"  # the keyboard never hides the entry box
        self.service = PatientService(self.user_data_dir, self.server_url)
        self.worker = Worker()
        self.reminders = LocalReminders(self.service, self._remind)
        self.lang = self.service.lang
        manager = ScreenManager(transition=NoTransition())
        self._add_screens(manager)
        manager.current = "today" if self.service.activated else "activation"
        return manager

    def _add_screens(self, manager: ScreenManager) -> None:
        """The screens, built at the patient's text size (sizes in sp are read when a
        widget is made: a new size rebuilds them)."""
        Metrics.fontscale = self._phone_fontscale * self.service.text_size
        for screen in (ActivationScreen(name="activation"), TodayScreen(name="today"),
                       QuestionnaireScreen(name="questionnaire"), AdviceScreen(name="advice"),
                       ContactScreen(name="contact"), SettingsScreen(name="settings"),
                       ValuesScreen(name="values"), MyDataScreen(name="mydata")):
            manager.add_widget(screen)

    # -- settings ------------------------------------------------------------------------
    def set_language(self, lang: str) -> None:
        self.service.set_language(lang)
        self.lang = lang  # every text bound to app.lang follows
        self.root.get_screen("today").refresh()  # questionnaire titles in the new language

    def set_text_size(self, size: float) -> None:
        self.service.set_text_size(size)
        current = self.root.current
        self.root.clear_widgets()
        self._add_screens(self.root)
        self.show(current)

    def set_local_reminders(self, on: bool) -> None:
        self.service.set_local_reminders(on)
        self.reminders.plan()

    def on_start(self) -> None:
        self._count()
        if self.service.activated:
            self.show("today").refresh()
            self.sync()
            self._register_push()
            self.reminders.plan()
        Clock.schedule_interval(self._retry, settings.SYNC_EVERY_SECONDS)

    def _retry(self, _dt) -> None:
        if self.waiting and not self.to_fix and self.service.activated:
            self.sync()

    def on_pause(self) -> bool:
        return True  # keep the state when the patient switches to the dialer

    def on_resume(self) -> None:
        if self.service.activated:
            self.reminders.plan()  # those due while in the background
            self.sync()
            if self.root.current == "today":
                self.root.current_screen.refresh()

    # -- helpers for the screens ---------------------------------------------------------
    def tr(self, key: str, *_bound: object, **values: object) -> str:
        """A UI string in the patient's language (kv passes ``app.lang`` to rebind)."""
        return i18n.tr(key, self.lang, **values)

    def show(self, name: str) -> Screen:
        self.root.current = name
        return self.root.get_screen(name)

    def open_url(self, url: str) -> None:
        self._open_url(url)

    def error_text(self, error: Exception, refused_key: str | None = None) -> str:
        if isinstance(error, NetworkError):
            return self.tr("error.offline")
        if isinstance(error, ServerError):
            return self.tr("error.busy")
        if isinstance(error, AuthError):
            return error.for_patient or self.tr("error.revoked")
        return self.tr(refused_key) if refused_key else str(getattr(error, "message", error))

    # -- the flows -----------------------------------------------------------------------
    def activated(self) -> None:
        self.lang = self.service.lang
        self._count()
        self.show("today").refresh()
        self.sync()
        self._register_push()

    def _remind(self, _tasks: list[dict]) -> None:
        """The phone's own reminder: no questionnaire named, no health data."""
        self.notifier.notify(self.tr("notice.notify_title"), self.tr("reminder.notify"))

    def _register_push(self) -> None:
        """Reminders by push: the phone's token to the server (a failure is retried at the
        next start; it never bothers the patient)."""
        self.worker.run(lambda: self.service.register_push_token(self.push.token()))

    def open_task(self, task: dict, again: bool = False) -> None:
        """A task of today: its questionnaire (resumed where the patient left it), or,
        answered, what became of the answer (``again``: a new answer all the same)."""
        status = self.service.status(task)
        if status == "done" and not again:
            self.show("advice").show_done(task, self.service.answered(task))
            return
        if status == "waiting":
            self.show("advice").show_waiting()
            return

        def start(session) -> None:
            if session is None:
                self.root.get_screen("today").message = self.tr("error.offline")
                return
            resumed = self.service.has_draft(task)
            self.show("questionnaire").start(session, task,
                                             note=self.tr("q.resumed") if resumed else "")

        self.worker.run(lambda: self.service.session_for(task), start,
                        lambda error: setattr(self.root.get_screen("today"), "message",
                                              self.error_text(error)))

    def contact(self) -> None:
        """The ward's card, from today's copy (it works offline)."""
        self.show("contact").show_ward(self.service.ward())

    def leave_questionnaire(self) -> None:
        """‹ Accueil: what was entered stays on the phone as a draft of the task."""
        screen = self.root.get_screen("questionnaire")
        if screen.session is not None and not screen.amend_key and not screen.sending:
            screen.keep_typed()
            self.service.keep_draft(screen.session, screen.task)
        self.show("today")

    def send_answers(self, session, task: dict | None, amend_key: str | None) -> None:
        item = self.service.save(session, task, amend_key)  # on the phone before any sending
        self._count()
        self.reminders.plan()  # an answer waiting in the outbox is not reminded
        self.sync(then=lambda report: self._sent(item.key, report))

    def _sent(self, key: str, report: SyncReport) -> None:
        result = self.service.results.pop(key, None)  # this sync's, or an earlier one's
        item = self.service.outbox.get(key)
        if result is not None:
            self.show("advice").show_result(result)
            self.service.read(key)  # its advice is on the screen
        elif item is not None and item.needs_fix:
            fields = item.fields_to_fix()
            self.root.get_screen("questionnaire").refused(
                key, fields[0] if fields else None, item.error or "")
        elif not report.unauthorised:
            self.show("advice").show_result(None)  # kept on the phone until the network is back

    def fix_refused(self) -> None:
        item = next((i for i in self.service.waiting() if i.needs_fix), None)
        if item is None:
            return
        self.worker.run(lambda: self.service.session_to_fix(item),
                        lambda session: self._fix(item, session))

    def _fix(self, item: Item, session) -> None:
        if session is not None:
            self.show("questionnaire").start(session, amend_key=item.key,
                                             error=self.tr("q.refused", message=item.error))

    def sync(self, then: Callable[[SyncReport], None] | None = None) -> None:
        self.worker.run(self.service.sync, lambda report: self._synced(report, then))

    def _synced(self, report: SyncReport, then) -> None:
        self._count()
        self.reminders.plan()
        if report.unauthorised:
            self.unlinked(report.message)
        elif report.sent and self.root.current == "today":
            self.root.current_screen.refresh()  # the tasks just answered now read "done"
        if then is not None:
            then(report)
        unread = {n["key"] for n in self.service.notices()}
        if not report.unauthorised and unread & set(report.sent):
            # Answers queued earlier have left: their advice waits on today's screen.
            self.notifier.notify(self.tr("notice.notify_title"), self.tr("notice.notify"))

    def unlinked(self, message: str | None) -> None:
        """The server no longer accepts this phone: back to the activation screen, saying
        why (the server's own words when the follow-up has ended). Answers kept on the
        phone wait for the next activation."""
        self.service.forget_device()
        self.show("activation").message = message or self.tr("error.revoked")

    def _count(self) -> None:
        items = self.service.waiting()
        self.waiting, self.to_fix = len(items), sum(1 for i in items if i.needs_fix)


def run() -> None:
    SuiviApp().run()
