"""A Redis that accepts connections and never answers (a hung host, a full network
buffer): the submission is stored, its alerts raised, and the request waits for one
Redis timeout at most, not one per notification; the sweep sends them later."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import select

from backend import db
from backend.outbox.models import OutboxEntry
from tests.helpers import Caller, submit
from tests.reliability.support import HIGH, sibling_app

pytestmark = pytest.mark.reliability

class BlackHole:
    """A TCP listener that accepts connections and never reads nor writes."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.mark.timeout(60)
def test_a_hung_redis_costs_one_timeout_and_loses_nothing(app, app_config, world,
                                                          black_hole):
    nurse = world.staff("nurse", phone="+33611111111")
    _, device = world.patient_device(nurse)
    hung = sibling_app(app, app_config, REDIS_URL=f"redis://127.0.0.1:{black_hole.port}/0")
    try:
        response = submit(Caller(hung, device.token), "daily-postop", HIGH)
    finally:
        hung.extensions["suivi"].engine.dispose()
    assert response.status_code == 201, response.json
    assert len(response.json["alerts_opened"]) >= 2  # several notifications to relay
    with app.app_context():
        entries = list(db.session().scalars(select(OutboxEntry)))
    assert len(entries) >= 2
    assert all(e.status == "pending" and e.enqueued_at is None for e in entries)
    # Only the first notification tried Redis; the others were left to the sweep at once.
    assert len(black_hole.accepted) == 1
    queue = nurse.get("/api/v1/alerts?status=open").json
    assert {a["id"] for a in queue} >= set(response.json["alerts_opened"])
