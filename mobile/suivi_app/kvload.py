"""Each screen module loads its own .kv file, next to it (one .kv per screen)."""

from pathlib import Path

from kivy.lang import Builder


def load_kv(module_file: str) -> None:
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)
