"""The phone's own reminders, raised on time while the app runs (Kivy's clock).

What is due comes from the GUI-free core (PatientService.due_reminders over
suivi_app.core.reminders); this only wakes up when the next reminder falls due, raises it
through the Notifier, and plans again whenever what it depends on changes: today's tasks
fetched, an answer sent or kept in the outbox, the app back in front, the patient's
setting.

On Android the clock stops while the app is in the background or closed, so a reminder
due then waits for the next start or resume. Waking a closed app at the reminder time
needs an alarm from Android's AlarmManager (pyjnius) delivered to a BroadcastReceiver,
a Java class added to the build (buildozer's ``android.add_src``) that pyjnius cannot
define; that ``AndroidAlarms`` is not built. Until it is, the server's push or SMS is what
reaches a phone whose app is closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kivy.clock import Clock

from suivi_app.core.outbox import utc_now
from suivi_app.core.service import PatientService


class LocalReminders:
    """``remind(tasks)`` is called once for the tasks due together (one notification)."""

    def __init__(self, service: PatientService, remind: Callable[[list[dict]], None],
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.service, self.remind, self.clock = service, remind, clock
        self.next_at: datetime | None = None
        self._event = None

    def plan(self, *_args) -> None:
        """Raise what is due now, then wait for the next one (called again at that time)."""
        if self._event is not None:
            self._event.cancel()
            self._event = None
        found = self.service.due_reminders(self.clock())
        if found.due:
            self.remind(found.due)
        self.next_at = found.next_at
        if found.next_at is not None:
            delay = max(0.0, (found.next_at - self.clock()).total_seconds())
            self._event = Clock.schedule_once(self.plan, delay)
