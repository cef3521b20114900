"""My values: temperature, weight, pain and blood pressure of the last two weeks, each as
its latest value in words and a simple line (the patient's own, from GET /me/values)."""

from __future__ import annotations

from datetime import datetime

from kivy.app import App
from kivy.graphics import Color, Ellipse, Line
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from suivi_app import theme
from suivi_app.core import i18n
from suivi_app.kvload import load_kv
from suivi_app.widgets import Body, Card, Title

# What each chart shows: its series, how a value reads (unit shown, decimals).
CHARTS = (("temperature", ("temperature",), "°C", 1),
          ("weight", ("weight",), "kg", 1),
          ("pain", ("pain",), "/10", 0),
          ("blood_pressure", ("systolic_bp", "diastolic_bp"), "mmHg", 0))
LINE_COLOURS = (theme.PRIMARY, theme.MISSED)


class Sparkline(Widget):
    """One or two series as lines with a dot on each value, scaled to their own range."""

    series = ListProperty([])  # [[(t, v), ...], ...]

    def on_series(self, *_args) -> None:
        self._draw()

    def on_size(self, *_args) -> None:
        self._draw()

    def on_pos(self, *_args) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.canvas is None:  # series given to the constructor: drawn once laid out
            return
        self.canvas.clear()
        points = [p for line in self.series for p in line]
        if not points:
            return
        times, values = [p[0] for p in points], [p[1] for p in points]
        t0, t1 = min(times), max(times)
        low, high = min(values), max(values)
        if high == low:  # one level: drawn across the middle
            low, high = low - 1, high + 1
        span_t, span_v = (t1 - t0) or 1, high - low
        pad = dp(8)

        def xy(t: float, v: float) -> tuple[float, float]:
            return (self.x + pad + (t - t0) / span_t * (self.width - 2 * pad),
                    self.y + pad + (v - low) / span_v * (self.height - 2 * pad))

        with self.canvas:
            for line, colour in zip(self.series, LINE_COLOURS, strict=False):
                Color(*colour)
                coords = [c for t, v in line for c in xy(t, v)]
                if len(coords) >= 4:
                    Line(points=coords, width=dp(2))
                for t, v in line:
                    x, y = xy(t, v)
                    Ellipse(pos=(x - dp(4), y - dp(4)), size=(dp(8), dp(8)))


class ValuesScreen(Screen):
    status = StringProperty("")
    offline = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        app = App.get_running_app()
        self.status = app.tr("values.loading")
        app.worker.run(app.service.values, self.show,
                       lambda error: setattr(self, "status", app.error_text(error)))

    def show(self, result) -> None:
        values, self.offline = result
        app = App.get_running_app()
        self.status = app.tr("today.stale") if self.offline else ""
        box = self.ids.charts
        box.clear_widgets()
        by_type = {s["type"]: s["values"] for s in (values or {}).get("series", [])}
        timezone = app.service.patient.get("timezone")
        for name, types, unit, decimals in CHARTS:
            card = Card(stripe=theme.PRIMARY)
            title = (app.tr("values.blood_pressure") if name == "blood_pressure"
                     else i18n.reading_name(name, app.lang).capitalize())
            card.add_widget(Title(text=title, font_size=theme.BODY))
            lines = [[(_t(p["at"]), p["value"]) for p in by_type.get(t, [])] for t in types]
            latest = [by_type.get(t, [])[-1] for t in types if by_type.get(t)]
            if not latest:
                card.add_widget(Body(text=app.tr("values.none")))
            else:
                shown = "/".join(i18n.number(p["value"], app.lang, decimals) for p in latest)
                card.add_widget(Body(text=app.tr("values.last", value=f"{shown} {unit}".replace(
                    " /", "/"), when=i18n.when(latest[0]["at"], timezone, app.lang)), bold=True))
                every = [p[1] for line in lines for p in line]
                if min(every) != max(every):
                    card.add_widget(Body(text=app.tr(
                        "values.range", low=i18n.number(min(every), app.lang, decimals),
                        high=i18n.number(max(every), app.lang, decimals))))
                card.add_widget(Sparkline(series=lines, size_hint_y=None, height=dp(120)))
            box.add_widget(card)


def _t(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


load_kv(__file__)
