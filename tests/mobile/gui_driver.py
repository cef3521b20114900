"""Drives the real Kivy app in a real window (under Xvfb), as a patient's fingers would.

Run by test_gui.py in its own process, so Kivy's global state stays out of pytest:

    [SUIVI_GUI_SCENARIO=daily|glucose] python gui_driver.py SERVER_URL OFFLINE_URL \
        ACTIVATION_CODE ARTIFACTS_DIR RESULT_JSON

Touches go through Kivy's input path (UnitTestTouch: window → ScreenManager → widget),
widgets are found by their kv ``id``. The script is a generator: it yields a condition
to wait for (or a number of seconds); what it saw is written to RESULT_JSON.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kivy.config import Config

# A small phone, in dp (one pixel a dp under Xvfb); SUIVI_GUI_SIZE=360x640 for others,
# KIVY_METRICS_FONTSCALE=1.3 for the phone's larger text setting.
_WIDTH, _HEIGHT = os.environ.get("SUIVI_GUI_SIZE", "420x860").split("x")
Config.set("graphics", "width", _WIDTH)
Config.set("graphics", "height", _HEIGHT)
Config.set("graphics", "resizable", "0")
Config.set("kivy", "exit_on_escape", "0")

from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402
from kivy.uix.label import Label  # noqa: E402
from kivy.uix.scrollview import ScrollView  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "mobile"))
from suivi_app.core.questionnaire import input_kind  # noqa: E402
from suivi_app.main import SuiviApp  # noqa: E402

TIMEOUT = 15.0
ANSWERS = {  # daily-postop, as the patient taps it: fever, strong pain, breathless at rest
    "pain_now": 8, "pain_worst_24h": 9, "pain_location": "autour de la cicatrice",
    "temperature": "39,2", "wound_redness": False, "wound_discharge": "none",
    "wound_bleeding": False, "wound_opening": False, "nausea": "none",
    "eating_drinking": "reduced", "urination": "normal", "stools": "normal",
    "walking": "with_help", "breathlessness": "at_rest", "calf_pain": False, "free_text": "",
}
CALM = {**ANSWERS, "pain_now": 2, "pain_worst_24h": 3, "temperature": "37,1",
        "breathlessness": "none"}


class Wait:
    def __init__(self, condition, what: str) -> None:
        self.condition, self.what = condition, what


def until(condition, what: str) -> Wait:
    return Wait(condition, what)


class Driver:
    def __init__(self, app: SuiviApp, artifacts: Path, result_path: Path, script) -> None:
        self.app, self.artifacts, self.result_path = app, artifacts, result_path
        self.result: dict = {"screenshots": [], "opened": []}
        self.steps = script(self, app)
        self.waiting: Wait | None = None
        self.since = time.monotonic()
        self.resume_at = 0.0

    def start(self, *_args) -> None:
        Clock.schedule_interval(self._tick, 1 / 30)

    def _tick(self, _dt) -> bool | None:
        now = time.monotonic()
        try:
            if now < self.resume_at:
                return None
            if self.waiting is not None:
                if not self.waiting.condition():
                    if now - self.since > TIMEOUT:
                        raise TimeoutError(f"timed out waiting for {self.waiting.what}")
                    return None
                self.waiting = None
            step = next(self.steps)
            if isinstance(step, Wait):
                print(f"driver: waiting for {step.what}", flush=True)
                self.waiting, self.since = step, now
            else:
                self.resume_at = now + float(step)
        except StopIteration:
            self.finish(ok=True)
            return False
        except Exception:
            self.result["error"] = traceback.format_exc()
            self.finish(ok=False)
            return False
        return None

    def finish(self, ok: bool) -> None:
        self.result["ok"] = ok
        self.result_path.write_text(json.dumps(self.result, indent=2, ensure_ascii=False))
        self.app.stop()

    # -- a finger, eyes and a camera ---------------------------------------------------
    def tap(self, widget):
        """Scroll ``widget`` into view if needed, then touch its centre and lift.

        Callers then wait for the tap's effect: a ScrollView hands a short tap on to its
        children only after a delay.
        """
        scroll = widget.parent
        while scroll is not Window and not isinstance(scroll, ScrollView):
            scroll = scroll.parent  # the window is its own parent
        yield 0.05  # the page settles (layout, scroll position) before a finger lands
        if isinstance(scroll, ScrollView) and not _inside(widget, scroll):
            scroll.scroll_to(widget, padding=20, animate=False)  # as a finger would scroll
            yield 0.1
        assert not widget.disabled and widget.opacity > 0, f"{widget} cannot be tapped"
        touch = UnitTestTouch(*widget.to_window(*widget.center))
        touch.touch_down()
        yield 0.07  # a finger's tap: longer than a ScrollView's 55 ms wait for a drag
        touch.touch_up()

    def type_text(self, entry, text: str):
        yield 0.05  # a new TextInput lays its lines out on its first frame; typing waits
        entry.focus = True
        entry.select_all()
        entry.delete_selection()
        entry.insert_text(text)  # through the entry's input filter, as the keyboard types
        assert entry.text or not text, f"the entry took none of {text!r}"

    def shot(self, name: str):
        """Screenshot of the next frame (read before the buffers swap)."""
        yield 0.2
        grabbed: list[str] = []

        def grab(*_args) -> None:
            Window.unbind(on_flip=grab)
            grabbed.append(Window.screenshot(name=str(self.artifacts / "shot.png")))

        Window.bind(on_flip=grab)
        Window.canvas.ask_update()
        yield until(lambda: grabbed, f"screenshot {name}")
        target = self.artifacts / f"mobile-{name}.png"
        os.replace(grabbed[0], target)
        self.result["screenshots"].append(target.name)


def _inside(widget, scroll) -> bool:
    x, y = widget.to_window(*widget.pos)
    left, bottom = scroll.to_window(*scroll.pos)
    return bottom <= y and y + widget.height <= bottom + scroll.height


def layout_problems(screen_name: str, root) -> list[str]:
    """What a patient could not read on the screen as it is: a word cut in two by a line
    break ("1 / 0"), text larger than its box (clipped), a widget beyond the window's
    sides. Hidden widgets (folded, transparent) are not looked at."""
    problems = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or not widget.text.strip() or not _seen(widget):
            continue
        where = f"{screen_name}: {widget.text[:40]!r}"
        widget.texture_update()
        plain = re.sub(r"\[/?[a-z]+[^\]]*\]", "", widget.text)
        lines = getattr(widget._label, "_cached_lines", None) or []
        shown = " ".join("".join(word.text for word in line.words) for line in lines)
        if widget.text_size[0] is not None and lines and shown.split() != plain.split():
            problems.append(f"{where} is cut inside a word: {shown!r}")
        width, height = widget.texture_size
        if width > widget.width + 2 or height > widget.height + 2:
            problems.append(f"{where} is clipped: text {width:.0f}x{height:.0f} in a box "
                            f"{widget.width:.0f}x{widget.height:.0f}")
        left, _ = widget.to_window(widget.x, widget.y)
        if left < -1 or left + widget.width > Window.width + 1:
            problems.append(f"{where} goes beyond the window ({left:.0f}, {widget.width:.0f})")
    return problems


def _in_view(widget, screen) -> bool:
    """Wholly on screen as the page opens, without scrolling."""
    scroll = screen.ids.scroll
    left, bottom = widget.to_window(widget.x, widget.y)
    _, scroll_bottom = scroll.to_window(scroll.x, scroll.y)
    return (left >= 0 and left + widget.width <= Window.width and bottom >= scroll_bottom
            and bottom + widget.height <= scroll_bottom + scroll.height)


def _seen(widget) -> bool:
    while widget is not None and widget is not Window:
        if widget.opacity == 0 or widget.height <= 0:
            return False
        widget = widget.parent
    return True


def answer_questionnaire(driver: Driver, app: SuiviApp, answers: dict, shots: bool,
                         asked: list | None = None):
    """Answer page by page: tap the answer (or type it), then Suivant; Envoyer at the end.
    ``asked``: gets the link_id of each page, in order."""
    screen = app.root.get_screen("questionnaire")
    seen: set[str] = set()
    while True:
        item = screen.session.current
        if asked is not None:
            asked.append(item["link_id"])
        value = answers[item["link_id"]]
        kind = input_kind(item)
        if screen.entry is not None:
            yield from driver.type_text(screen.entry.ids.entry, str(value))
        else:
            [button] = [b for b in screen.answer_buttons() if b.value == value]
            yield from driver.tap(button)
            yield until(lambda b=button: b.selected, f"{value!r} selected")
        if shots and kind not in seen and item["link_id"] != "free_text":
            seen.add(kind)
            yield from driver.shot(f"questionnaire-{item['link_id'].replace('_', '-')}")
        last, index = screen.session.is_last, screen.session.index
        yield from driver.tap(screen.ids.next_button)
        if last:
            return
        yield until(lambda i=index: screen.session.index > i,
                    f"the page after {item['link_id']}")


def script(driver: Driver, app: SuiviApp):
    server_url, offline_url, code = sys.argv[1:4]
    app._open_url = driver.result["opened"].append
    notified: list = []
    app.notifier = type("Notifier", (), {"notify": lambda _self, title, message:
                                         notified.append([title, message])})()
    app.push = type("Push", (), {"token": lambda _self: "fcm-token-of-jeanne"})()
    yield from activate(driver, app, code)

    today = app.root.get_screen("today")
    yield until(lambda: app.root.current == "today" and today.teleconsultation
                and app.worker.pending == 0, "today's tasks")
    yield from driver.shot("today")
    yield from driver.tap(today.ids.join_button)
    yield until(lambda: driver.result["opened"], "the teleconsultation link to open")
    yield from driver.tap(today.ids.contact_button)
    contact = app.root.get_screen("contact")
    yield until(lambda: app.root.current == "contact", "the ward's card")
    driver.result["contact"] = {"name": contact.ids.ward_name.text,
                                "phone": contact.ids.phone_text.text,
                                "hours": contact.ids.hours.text}
    yield from driver.shot("contact")
    yield from driver.tap(contact.ids.call_ward_button)
    yield until(lambda: len(driver.result["opened"]) == 2, "the phone to dial the ward")
    yield from driver.tap(contact.ids.home_button)
    yield until(lambda: app.root.current == "today", "home from the ward's card")
    daily = next(b for b in today.ids.tasks.children if b.task["questionnaire"] == "daily-postop")
    driver.result["daily_status_before"] = daily.status
    yield from driver.tap(daily)
    yield until(lambda: app.root.current == "questionnaire", "the questionnaire")
    yield from leave_half_way(driver, app, today)
    daily = next(b for b in today.ids.tasks.children if b.task["questionnaire"] == "daily-postop")
    yield from driver.tap(daily)
    screen = app.root.get_screen("questionnaire")
    yield until(lambda: app.root.current == "questionnaire", "the questionnaire, resumed")
    driver.result["resumed"] = {"index": screen.session.index, "note": screen.note,
                                "values": dict(screen.session.values)}
    yield from answer_questionnaire(driver, app, ANSWERS, shots=True)

    advice = app.root.get_screen("advice")
    yield until(lambda: app.root.current == "advice", "the advice screen")
    yield from driver.shot("advice")
    banner = advice.ids.emergency_banner
    driver.result["emergency_banner"] = {"shown": advice.emergency and banner.height > 0,
                                         "text": advice.ids.emergency_text.text,
                                         "width": banner.width, "window": Window.width}
    driver.result["advice"] = [w.text for w in advice.ids.advice.walk(restrict=True)
                               if isinstance(w, Label)]
    yield from driver.tap(advice.ids.call_button)
    yield until(lambda: "tel:15" in driver.result["opened"], "the phone to dial 15")

    yield from driver.tap(advice.ids.home_button)
    yield until(lambda: app.root.current == "today" and app.worker.pending == 0, "home again")
    daily = next(b for b in today.ids.tasks.children if b.task["questionnaire"] == "daily-postop")
    driver.result["daily_status_after"] = daily.status

    # The network goes down: the next answer waits on the phone, then leaves when it is back.
    # Done stays done: opening it says when it was sent, and offers to answer again.
    yield from driver.tap(daily)
    yield until(lambda: app.root.current == "advice" and advice.again_task, "the done task")
    driver.result["done_opened"] = {"status": advice.ids.status.text,
                                    "advice": [w.text for w in advice.ids.advice.walk(
                                        restrict=True) if isinstance(w, Label)]}
    yield from driver.shot("task-done")
    app.service.api.base_url = offline_url
    yield from driver.tap(advice.ids.again_button)
    yield until(lambda: app.root.current == "questionnaire", "the questionnaire again")
    yield from answer_questionnaire(driver, app, CALM, shots=False)
    yield until(lambda: app.root.current == "advice" and app.worker.pending == 0, "queued")
    driver.result["queued"] = {"waiting": app.waiting, "status": advice.ids.status.text,
                               "emergency": advice.emergency}
    yield from driver.shot("advice-offline")
    yield from driver.tap(advice.ids.home_button)
    yield until(lambda: app.root.current == "today" and app.worker.pending == 0, "home offline")
    driver.result["offline_note"] = today.ids.offline_note.text
    daily = next(b for b in today.ids.tasks.children if b.task["questionnaire"] == "daily-postop")
    driver.result["daily_status_offline"] = daily.status
    yield from driver.shot("today-offline")

    app.service.api.base_url = server_url
    yield from driver.tap(today.ids.banner.ids.waiting_button)
    yield until(lambda: app.waiting == 0 and app.worker.pending == 0
                and today.ids.notices.children, "the outbox to empty, its advice shown")
    driver.result["waiting_after_retry"] = app.waiting
    driver.result["late_notice"] = [w.text for w in today.ids.notices.walk(restrict=True)
                                    if isinstance(w, Label)]
    driver.result["notified"] = list(notified)
    yield from driver.shot("today-late-advice")
    [read] = [w for w in today.ids.notices.walk(restrict=True)
              if getattr(w, "text", None) == app.tr("notice.read")]
    yield from driver.tap(read)
    yield until(lambda: not today.ids.notices.children, "the notice read")

    values = yield from open_values(driver, app, today, "values")
    driver.result["values"] = [w.text for w in values.ids.charts.walk(restrict=True)
                               if isinstance(w, Label)]
    driver.result["values_problems"] = layout_problems("values", values)


def open_values(driver: Driver, app: SuiviApp, today, shot: str):
    """My values, from today: the screen, once its charts are drawn (and photographed)."""
    yield from driver.tap(today.ids.values_button)
    values = app.root.get_screen("values")
    yield until(lambda: app.root.current == "values" and values.ids.charts.children
                and app.worker.pending == 0, "my values")
    yield 0.2
    yield from driver.shot(shot)
    return values


def leave_half_way(driver: Driver, app: SuiviApp, today):
    """Two answers, then ‹ Accueil: a draft is kept, the home screen is not "offline"."""
    screen = app.root.get_screen("questionnaire")
    for value in (ANSWERS["pain_now"], ANSWERS["pain_worst_24h"]):
        index = screen.session.index
        [button] = [b for b in screen.answer_buttons() if b.value == value]
        yield from driver.tap(button)
        yield from driver.tap(screen.ids.next_button)
        yield until(lambda i=index: screen.session.index > i, "the next page")
    yield from driver.tap(screen.ids.home_button)
    yield until(lambda: app.root.current == "today" and app.worker.pending == 0, "home")
    yield 0.3
    daily = next(b for b in today.ids.tasks.children if b.task["questionnaire"] == "daily-postop")
    driver.result["left_half_way"] = {"status": daily.status, "offline": today.offline,
                                      "notes_height": today.ids.notes.height}
    yield from driver.shot("today-started")


def activate(driver: Driver, app: SuiviApp, code: str, shots: bool = True):
    activation = app.root.get_screen("activation")
    yield until(lambda: app.root.current == "activation", "the activation screen")
    yield from driver.type_text(activation.ids.code_input, code.lower())
    if shots:
        yield from driver.shot("activation")
    yield from driver.tap(activation.ids.activate_button)


def glucose_script(driver: Driver, app: SuiviApp):
    """Vitals on a French g/L meter: the unit is asked, g/L first, and sent with the value."""
    code = sys.argv[3]
    sent = driver.result["sent"] = []
    send = app.service.api.submit

    def spy(body, key):  # what leaves the phone, as the server receives it
        sent.append(body)
        return send(body, key)

    app.service.api.submit = spy
    yield from activate(driver, app, code, shots=False)
    today = app.root.get_screen("today")
    yield until(lambda: app.root.current == "today" and today.ids.tasks.children
                and app.worker.pending == 0, "today's tasks")
    vitals = next(b for b in today.ids.tasks.children
                  if b.task and b.task["questionnaire"] == "vitals")
    yield from driver.tap(vitals)
    yield until(lambda: app.root.current == "questionnaire", "the vitals questionnaire")
    screen = app.root.get_screen("questionnaire")
    while screen.session.current["link_id"] != "glucose":  # the other readings: skipped
        index, link_id = screen.session.index, screen.session.current["link_id"]
        if link_id == "weight":
            yield from driver.type_text(screen.entry.ids.entry, "72,5")
        if link_id == "systolic_bp":  # one page, both numbers of the monitor
            yield from driver.type_text(screen.entries["systolic_bp"].ids.entry, "135")
            yield from driver.type_text(screen.entries["diastolic_bp"].ids.entry, "85")
            driver.result["blood_pressure"] = {
                "question": screen.question, "entries": list(screen.entries),
                "labels": [w.text for w in screen.ids.answers.children[::-1]
                           if isinstance(w, Label)]}
            yield from driver.shot("questionnaire-blood-pressure")
        yield from driver.tap(screen.ids.next_button)
        yield until(lambda i=index: screen.session.index > i, f"the page after {link_id}")

    def units() -> dict:
        return {b.value: {"label": b.text, "selected": b.selected, "fill": list(b.fill)}
                for b in screen.unit_buttons()}

    entry = screen.entry.ids.entry
    driver.result["opened_with"] = {"units": units(), "unit_label": screen.entry.unit,
                                    "question": screen.question}
    yield from driver.shot("questionnaire-glucose-units")
    # 120 typed on the g/L preselection: refused on the page, with the unit it fits.
    yield from driver.type_text(entry, "120")
    yield from driver.tap(screen.ids.next_button)
    yield until(lambda: screen.error, "the local check")
    driver.result["error"] = screen.error
    yield from driver.shot("questionnaire-glucose-error")
    [mmol] = [b for b in screen.unit_buttons() if b.value == "mmol/L"]
    yield from driver.tap(mmol)
    yield until(lambda: screen.session.unit() == "mmol/L", "mmol/L chosen")
    driver.result["after_mmol"] = {"units": units(), "unit_label": screen.entry.unit,
                                   "error": screen.error}
    [grams] = [b for b in screen.unit_buttons() if b.value == "g/L"]
    yield from driver.tap(grams)
    yield until(lambda: screen.session.unit() == "g/L", "g/L chosen again")
    yield from driver.type_text(entry, "1,2")
    yield from driver.shot("questionnaire-glucose")
    driver.result["before_sending"] = {"units": units(), "unit_label": screen.entry.unit,
                                       "text": entry.text}
    driver.result["asked"] = [item["link_id"] for item in screen.session.items]
    driver.result["last_page"] = screen.next_text
    yield from driver.tap(screen.ids.next_button)  # Envoyer: glucose is the last page
    yield until(lambda: app.root.current == "advice" and app.worker.pending == 0,
                "the advice screen")
    driver.result["waiting"] = app.waiting


def ended_script(driver: Driver, app: SuiviApp):
    """The follow-up ends while the phone is paired: the next sync brings the patient back
    to the activation screen with the server's own sentence (why, since when)."""
    yield from activate(driver, app, sys.argv[3], shots=False)
    yield until(lambda: app.root.current == "today" and app.worker.pending == 0, "today")
    moved = driver.result_path.with_name("clock-moved")
    driver.result_path.with_name("paired").touch()  # the test moves the server's clock
    yield until(moved.exists, "the server's clock to move past the follow-up")
    app.root.get_screen("today").refresh()  # as when the app comes back to the front
    activation = app.root.get_screen("activation")
    yield until(lambda: app.root.current == "activation" and activation.message,
                "the activation screen with a message")
    driver.result["activation_message"] = activation.message
    yield from driver.shot("follow-up-ended")


def layout_script(driver: Driver, app: SuiviApp):
    """Every screen of a day, at the window size and text size the test chose: nothing
    cut, clipped or beyond the sides; a screenshot of each page kind."""
    code = sys.argv[3]
    app._open_url = driver.result["opened"].append
    tag = f"{Window.width}x{Window.height}-{os.environ.get('KIVY_METRICS_FONTSCALE', '1')}"
    problems = driver.result["problems"] = []
    entry = app.root.get_screen("activation").ids.code_input
    driver.result["placeholder"] = {"hint": entry.hint_text, "colour": list(
        entry.hint_text_color), "background": list(entry.background_color),
        "background_image": entry.background_normal}
    yield from driver.shot(f"layout-{tag}-activation")
    yield from activate(driver, app, code, shots=False)
    problems += layout_problems("activation", app.root.get_screen("activation"))
    today = app.root.get_screen("today")
    yield until(lambda: app.root.current == "today" and today.ids.tasks.children
                and app.worker.pending == 0, "today's tasks")
    yield 0.3
    problems += layout_problems("today", today)
    yield from driver.shot(f"layout-{tag}-today")
    yield from driver.tap(today.ids.contact_button)
    yield until(lambda: app.root.current == "contact", "the ward's card")
    yield 0.2
    problems += layout_problems("contact", app.root.get_screen("contact"))
    yield from driver.shot(f"layout-{tag}-contact")
    yield from driver.tap(app.root.get_screen("contact").ids.home_button)
    yield until(lambda: app.root.current == "today", "home")
    daily = next(b for b in today.ids.tasks.children if b.task["questionnaire"] == "daily-postop")
    yield from driver.tap(daily)
    yield until(lambda: app.root.current == "questionnaire", "the questionnaire")
    screen = app.root.get_screen("questionnaire")
    seen_kinds: set[str] = set()
    while True:
        item = screen.session.current
        yield 0.2
        problems += layout_problems(f"question {item['link_id']}", screen)
        kind = input_kind(item)
        if kind not in seen_kinds:
            seen_kinds.add(kind)
            if kind == "scale":
                driver.result["scale"] = [{"text": b.text, "inside": _in_view(b, screen)}
                                          for b in screen.answer_buttons()]
            yield from driver.shot(f"layout-{tag}-{kind}")
        value = CALM[item["link_id"]]
        if screen.entry is not None:
            yield from driver.type_text(screen.entry.ids.entry, str(value))
        else:
            [button] = [b for b in screen.answer_buttons() if b.value == value]
            yield from driver.tap(button)
        last, index = screen.session.is_last, screen.session.index
        yield from driver.tap(screen.ids.next_button)
        if last:
            break
        yield until(lambda i=index: screen.session.index > i, "the next page")
    yield until(lambda: app.root.current == "advice" and app.worker.pending == 0, "advice")
    yield 0.2
    problems += layout_problems("advice", app.root.get_screen("advice"))
    yield from driver.shot(f"layout-{tag}-advice")
    yield from driver.tap(app.root.get_screen("advice").ids.home_button)
    yield until(lambda: app.root.current == "today" and app.worker.pending == 0, "home")
    values = yield from open_values(driver, app, today, f"layout-{tag}-values")
    problems += layout_problems("values", values)


def settings_script(driver: Driver, app: SuiviApp):
    """Offline at the reminder time, the phone reminds the patient by itself, once; then
    language, text size, glucose unit, reminder hour and the phone's own reminders chosen
    once; then the phone is unlinked, after a confirmation."""
    notified = driver.result["notified"] = []
    app.notifier = type("Notifier", (), {"notify": lambda _self, title, message:
                                         notified.append([title, message])})()
    # The phone's clock tells the server's time (SUIVI_GUI_CLOCK_OFFSET: seconds ahead).
    offset = timedelta(seconds=float(os.environ.get("SUIVI_GUI_CLOCK_OFFSET", "0")))
    app.reminders.clock = lambda: datetime.now(UTC) + offset
    yield from activate(driver, app, sys.argv[3], shots=False)
    today = app.root.get_screen("today")
    yield until(lambda: app.root.current == "today" and today.ids.tasks.children
                and app.worker.pending == 0, "today's tasks")
    yield from remind_offline(driver, app)
    yield from driver.tap(today.ids.settings_button)
    settings = app.root.get_screen("settings")
    yield until(lambda: app.root.current == "settings", "the settings")
    yield from driver.shot("settings")
    title_size = settings.ids.unlink_button.font_size

    def option(row: str, value):
        return next(b for b in settings.ids[row].children if b.value == value)

    yield from driver.tap(option("languages", "en"))
    yield until(lambda: app.lang == "en", "English")
    driver.result["english"] = settings.ids.unlink_button.text
    yield from driver.tap(option("glucose_units", "mmol/L"))
    yield until(lambda: app.service.units == {"glucose": "mmol/L"}, "mmol/L")
    yield from driver.tap(option("reminder_times", "08:00"))
    yield until(lambda: app.service.reminder_time == "08:00"
                and option("reminder_times", "08:00").selected, "the reminder hour")
    settings.ids.scroll.scroll_to(settings.ids.reminder_times)
    yield 0.3
    yield from driver.shot("settings-reminder")
    yield from driver.tap(option("local_reminders", False))
    yield until(lambda: not app.service.local_reminders
                and option("local_reminders", False).selected, "the phone's reminders off")
    yield from driver.tap(option("local_reminders", True))
    yield until(lambda: app.service.local_reminders, "the phone's reminders on again")
    yield from driver.tap(option("text_sizes", 1.3))
    yield until(lambda: app.root.get_screen("settings") is not settings, "the larger text")
    settings = app.root.get_screen("settings")
    yield 0.3
    driver.result["text_size"] = {"before": title_size,
                                  "after": settings.ids.unlink_button.font_size,
                                  "current": app.root.current}
    driver.result["problems"] = layout_problems("settings", settings)
    yield from driver.shot("settings-large")
    yield from driver.tap(option("languages", "fr"))
    yield until(lambda: app.lang == "fr", "French again")
    settings.ids.scroll.scroll_to(settings.ids.local_reminders_note, padding=10,
                                  animate=False)
    yield 0.3
    driver.result["local_reminders"] = {
        "title": settings.ids.local_reminders_title.text,
        "options": {str(b.value): [b.label, b.selected]
                    for b in settings.ids.local_reminders.children}}
    driver.result["problems"] += layout_problems("settings", settings)
    yield from driver.shot("settings-local-reminders")
    yield from driver.tap(settings.ids.unlink_button)
    yield until(lambda: settings.confirming, "the confirmation")
    yield from driver.shot("settings-unlink-confirm")
    yield from driver.tap(settings.ids.unlink_button)
    activation = app.root.get_screen("activation")
    yield until(lambda: app.root.current == "activation" and activation.message, "unlinked")
    driver.result["unlinked"] = activation.message


def remind_offline(driver: Driver, app: SuiviApp):
    """The network goes down; the phone's clock comes to today's first reminder time (the
    app stays in front): the phone reminds the patient itself, once, even when the app
    comes back to the front later."""
    app.service.api.base_url = sys.argv[2]
    tasks = app.service.store.cached_today()["tasks"]
    first = min(datetime.fromisoformat(t["remind_at"]) for t in tasks)
    started, moment = time.monotonic(), first - timedelta(seconds=2)
    app.reminders.clock = lambda: moment + timedelta(seconds=time.monotonic() - started)
    app.reminders.plan()
    driver.result["planned_for"] = app.reminders.next_at.isoformat()
    yield until(lambda: app.service.store.reminded(), "the phone's own reminder")
    driver.result["notified_at"] = app.reminders.clock().isoformat()
    app.on_resume()  # as when the patient switches back to the app: nothing new
    yield until(lambda: app.worker.pending == 0, "back to the front, offline")
    yield 1.0
    driver.result["reminded"] = sorted(app.service.store.reminded())
    driver.result["tasks"] = sorted(t["id"] for t in tasks
                                    if datetime.fromisoformat(t["remind_at"]) == first)
    app.service.api.base_url = sys.argv[1]


def mydata_script(driver: Driver, app: SuiviApp):
    """Mes données from the settings: read, the notice opened, a copy saved (its file
    checked), everything at the window and text size the test chose; then offline."""
    offline_url = sys.argv[2]
    tag = f"{Window.width}x{Window.height}-{os.environ.get('KIVY_METRICS_FONTSCALE', '1')}"
    problems = driver.result["problems"] = []
    yield from activate(driver, app, sys.argv[3], shots=False)
    today = app.root.get_screen("today")
    yield until(lambda: app.root.current == "today" and today.ids.tasks.children
                and app.worker.pending == 0, "today's tasks")
    app.worker.run(lambda: app.service.api.send_readings({"readings": [{
        "type": "temperature", "value": 37.4, "unit": "Cel",
        "measured_at": datetime.now(UTC).isoformat()}]}, "mydata-reading-1"))
    yield until(lambda: app.worker.pending == 0, "a reading sent")
    yield from driver.tap(today.ids.settings_button)
    settings = app.root.get_screen("settings")
    yield until(lambda: app.root.current == "settings", "the settings")
    settings.ids.scroll.scroll_to(settings.ids.mydata_button, padding=40, animate=False)
    yield 0.3
    yield from driver.shot(f"settings-mydata-{tag}")
    yield from driver.tap(settings.ids.mydata_button)
    screen = app.root.get_screen("mydata")
    yield until(lambda: app.root.current == "mydata" and screen.loaded, "my data")
    yield 0.3
    texts = [w.text for w in screen.ids.sections.walk(restrict=True)
             if isinstance(w, Label)]
    driver.result["texts"] = texts
    driver.result["rights"] = screen.ids.rights.text
    problems += layout_problems("mydata", screen)
    yield from driver.shot(f"mydata-{tag}")
    yield from driver.tap(screen.ids.notice_button)
    yield until(lambda: screen.notice_open, "the notice")
    yield 0.3
    driver.result["notice"] = [w.text for w in screen.ids.notice.children[::-1]]
    problems += layout_problems("mydata notice", screen)
    screen.ids.scroll.scroll_to(screen.ids.notice, padding=10, animate=False)
    yield 0.3
    yield from driver.shot(f"mydata-{tag}-notice")
    yield from driver.tap(screen.ids.notice_button)
    yield until(lambda: not screen.notice_open, "the notice closed")
    yield from driver.tap(screen.ids.save_button)
    yield until(lambda: screen.saved_path and app.worker.pending == 0, "the copy saved")
    yield 0.3
    driver.result["saved"] = {"path": screen.saved_path, "words": screen.ids.saved.text}
    problems += layout_problems("mydata saved", screen)
    screen.ids.scroll.scroll_to(screen.ids.saved, padding=10, animate=False)
    yield 0.3
    yield from driver.shot(f"mydata-{tag}-saved")

    app.service.api.base_url = offline_url  # the network goes down: the page says so
    yield from driver.tap(screen.ids.home_button)
    yield until(lambda: app.root.current == "today", "home")
    yield from driver.tap(today.ids.settings_button)
    yield until(lambda: app.root.current == "settings", "the settings")
    yield from driver.tap(settings.ids.mydata_button)
    yield until(lambda: app.root.current == "mydata" and screen.failed
                and app.worker.pending == 0, "my data, offline")
    yield 0.2
    driver.result["offline"] = {"status": screen.ids.status.text,
                                "sections": len(screen.ids.sections.children),
                                "save_shown": _seen(screen.ids.save_button)}
    problems += layout_problems("mydata offline", screen)
    yield from driver.shot(f"mydata-{tag}-offline")
    app.service.api.base_url = sys.argv[1]
    yield from driver.tap(screen.ids.retry_button)
    yield until(lambda: screen.loaded and app.worker.pending == 0, "my data, back online")
    driver.result["back_online"] = screen.status == "" and not screen.failed


def shorter_script(driver: Driver, app: SuiviApp):
    """Day 5 of a version that asks "how are you getting about?" on days 1-2 only: the
    pages the daily check shows, the page after the bowels question, the answer sent."""
    yield from activate(driver, app, sys.argv[3], shots=False)
    today = app.root.get_screen("today")
    yield until(lambda: app.root.current == "today" and today.ids.tasks.children
                and app.worker.pending == 0, "today's tasks")
    daily = next(b for b in today.ids.tasks.children if b.task["questionnaire"] == "daily-postop")
    yield from driver.tap(daily)
    screen = app.root.get_screen("questionnaire")
    yield until(lambda: app.root.current == "questionnaire", "the daily check")
    driver.result["first_page"] = screen.progress_text
    asked = driver.result["asked"] = []
    answers = {**CALM, "free_text": ""}
    pages = answer_questionnaire(driver, app, answers, shots=False, asked=asked)
    for step in pages:  # the page after the bowels question, as the patient sees it
        yield step
        if screen.session.current["link_id"] == "breathlessness" and asked[-1] == "stools" \
                and "after_stools" not in driver.result:
            yield 0.3
            driver.result["after_stools"] = screen.progress_text
            yield from driver.shot("questionnaire-day-5-after-stools")
    advice = app.root.get_screen("advice")
    yield until(lambda: app.root.current == "advice" and app.worker.pending == 0, "the advice")
    driver.result["advice"] = [w.text for w in advice.ids.advice.walk(restrict=True)
                               if isinstance(w, Label)]
    yield from driver.shot("advice-day-5")


SCRIPTS = {"daily": script, "settings": settings_script, "layout": layout_script,
           "glucose": glucose_script, "ended": ended_script, "mydata": mydata_script,
           "shorter": shorter_script}


def main() -> None:
    artifacts, result_path = Path(sys.argv[4]), Path(sys.argv[5])
    artifacts.mkdir(parents=True, exist_ok=True)
    app = SuiviApp(server_url=sys.argv[1])
    scenario = SCRIPTS[os.environ.get("SUIVI_GUI_SCENARIO", "daily")]
    driver = Driver(app, artifacts, result_path, scenario)
    app.bind(on_start=driver.start)
    app.run()


if __name__ == "__main__":
    main()
