"""Build-time settings. The hospital sets its server before building the APK; the
``SUIVI_SERVER_URL`` environment variable overrides it on a desktop (demo, tests)."""

import os

SERVER_URL = os.environ.get("SUIVI_SERVER_URL", "https://suivi.example.org")
SYNC_EVERY_SECONDS = 60  # while answers wait in the outbox
