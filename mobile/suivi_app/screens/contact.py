"""The ward: its name, the number it gives patients, its hours, and a call button.

From ``/me/today``'s ``ward`` (kept on the phone, so it shows offline too)."""

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from suivi_app.core import i18n
from suivi_app.kvload import load_kv


class ContactScreen(Screen):
    name_text = StringProperty("")
    phone = StringProperty("")  # +33…, empty when the ward gave none
    phone_text = StringProperty("")
    hours = StringProperty("")

    def show_ward(self, ward: dict | None) -> None:
        app = App.get_running_app()
        ward = ward or {}
        self.name_text = ward.get("name") or app.tr("contact.unknown_ward")
        self.phone = ward.get("phone") or ""
        self.phone_text = i18n.phone(self.phone) if self.phone else ""
        self.hours = (i18n.ward_hours(ward["day_start"], ward["day_end"], ward.get("timezone"),
                                      app.lang) if ward.get("day_start") else "")

    def call(self) -> None:
        if self.phone:
            App.get_running_app().open_url(f"tel:{self.phone}")

    def call_emergency(self) -> None:
        App.get_running_app().open_url("tel:15")


load_kv(__file__)
