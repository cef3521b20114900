"""Widgets shared by the screens (styled in widgets.kv)."""

from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label

from suivi_app import theme
from suivi_app.kvload import load_kv


class Body(Label):
    pass


class Title(Label):
    pass


class BigButton(Button):
    fill = ColorProperty(theme.PRIMARY)
    min_height = NumericProperty(dp(64))  # taller when its text wraps


class SecondaryButton(BigButton):
    """White with a blue border: Retour, Actualiser, Accueil."""


class AnswerButton(BigButton):
    """One possible answer; ``selected`` shows it filled and ticked."""

    value = ObjectProperty(None, allownone=True)
    label = StringProperty("")
    selected = BooleanProperty(False)
    tick = BooleanProperty(True)  # a check mark on the selected answer (not on 0-10 keys)


class TaskButton(ButtonBehavior, BoxLayout):
    """A task of today: its title and its status (done, to do, missed)."""

    task = ObjectProperty(None)
    title = StringProperty("")
    status = StringProperty("pending")
    colour = ColorProperty(theme.PRIMARY)


class Reveal(BoxLayout):
    """A block that folds away when not ``shown``.

    Folded, it is 0 high and invisible, and it lets touches through: its children still
    lie around it, and a disabled widget would swallow the taps meant for what is under.
    """

    shown = BooleanProperty(True)

    def on_touch_down(self, touch):
        return super().on_touch_down(touch) if self.shown else False


class Card(Reveal):
    stripe = ColorProperty(theme.CARD)


class WaitingBanner(Reveal):
    """Shown while answers are waiting in the outbox, with the way out (retry, correct)."""


load_kv(__file__)
