"""Mes données: who I am, my follow-up, my consent (and the notice I read), what the ward
holds of my answers and readings, whom to ask for a full copy or to stop; and a button
that saves the full copy (JSON) on the phone.

From ``GET /me/export``: it needs the network, and says so when there is none."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app import theme
from suivi_app.core.mydata import MyData
from suivi_app.kvload import load_kv
from suivi_app.widgets import Body, Card, Title


class MyDataScreen(Screen):
    status = StringProperty("")  # loading, or why nothing shows (offline)
    loaded = BooleanProperty(False)
    failed = BooleanProperty(False)  # the server could not be reached: a retry button
    notice_open = BooleanProperty(False)
    saved = StringProperty("")  # where the copy went, in words (or why it did not)
    saved_path = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        self.load()

    def load(self) -> None:
        app = App.get_running_app()
        self.export = None
        self.loaded, self.failed, self.notice_open = False, False, False
        self.saved, self.saved_path = "", ""
        self.ids.sections.clear_widgets()
        self.ids.notice.clear_widgets()
        self.status = app.tr("mydata.loading")
        app.worker.run(app.service.my_data, self.show, self.could_not_load)

    def could_not_load(self, error: Exception) -> None:
        app = App.get_running_app()
        text = app.error_text(error)
        self.status = app.tr("mydata.offline") if text == app.tr("error.offline") else text
        self.failed = True

    def show(self, result: tuple[dict, MyData]) -> None:
        app = App.get_running_app()
        self.export, data = result
        self.status = ""
        box = self.ids.sections
        box.clear_widgets()
        box.add_widget(self._card(app.tr("mydata.who"), data.identity, bold_first=True))
        box.add_widget(self._card(app.tr("mydata.follow_up"), data.follow_up,
                                  bold_first=True))
        box.add_widget(self._card(app.tr("mydata.consent_title"), data.consent))
        answers = [data.counts]
        if data.answers:
            answers += [app.tr("mydata.latest_answers"), *data.answers]
        if data.readings:
            answers += [app.tr("mydata.latest_readings"), *data.readings]
        box.add_widget(self._card(app.tr("mydata.answers_title"), answers))
        self.ids.rights.text = data.ask_ward
        notice = self.ids.notice
        notice.clear_widgets()
        if data.notice:  # one label a paragraph: no texture taller than a phone draws
            notice.add_widget(Title(text=data.notice_title or "", font_size=theme.BODY))
            for paragraph in data.notice:
                notice.add_widget(Body(text=paragraph))
        self.loaded = True

    def _card(self, title: str, lines: list[str], bold_first: bool = False) -> Card:
        card = Card(stripe=theme.PRIMARY)
        card.add_widget(Title(text=title, font_size=theme.BODY, color=theme.PRIMARY))
        for index, line in enumerate(lines):
            card.add_widget(Body(text=line, bold=bold_first and index == 0))
        return card

    def toggle_notice(self) -> None:
        self.notice_open = not self.notice_open

    def save_copy(self) -> None:
        app = App.get_running_app()
        if self.export is None:
            return
        self.saved, self.saved_path = app.tr("mydata.saving"), ""
        export = self.export

        def done(result: tuple[str, str]) -> None:
            self.saved_path, self.saved = result

        app.worker.run(lambda: app.service.save_copy(export), done,
                       lambda _error: setattr(self, "saved", app.tr("mydata.save_failed")))


load_kv(__file__)
