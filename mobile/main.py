"""Entry point for buildozer (python-for-android runs ``main.py`` of the source dir)."""

from suivi_app.main import run

if __name__ == "__main__":
    run()
