"""Encryption at rest: sealing, reading after a rotation, tamper detection, key settings."""

from __future__ import annotations

import pytest

from backend import crypto
from backend.config import from_env


def _ring(data_keys: str) -> crypto.Keyring:
    return crypto.keyring_from_settings(data_keys, crypto.new_key())


def test_a_sealed_value_reads_back_and_never_shows_the_plain_text():
    ring = _ring(f"k1:{crypto.new_key()}")
    sealed = ring.seal("+33612345678")
    assert sealed.startswith("enc1:k1:") and "33612345678" not in sealed
    assert ring.open(sealed) == "+33612345678"
    assert ring.seal("+33612345678") != sealed  # a fresh nonce each time


def test_values_sealed_before_a_rotation_still_read_and_are_not_current():
    old_key, new_key = crypto.new_key(), crypto.new_key()
    before = _ring(f"k1:{old_key}").seal("Jeanne")
    after = crypto.keyring_from_settings(f"k2:{new_key},k1:{old_key}", crypto.new_key())
    assert after.open(before) == "Jeanne"
    assert not after.is_current(before) and after.is_current(after.seal("Jeanne"))


def test_a_removed_key_or_an_altered_value_is_refused_with_a_reason():
    ring = _ring(f"k1:{crypto.new_key()}")
    sealed = ring.seal("douleur 8/10")
    with pytest.raises(crypto.UnreadableValue, match="'k1'"):
        _ring(f"k2:{crypto.new_key()}").open(sealed)
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(crypto.UnreadableValue, match="altered"):
        ring.open(tampered)


def test_a_value_written_before_encryption_reads_as_it_is():
    assert _ring(f"k1:{crypto.new_key()}").open("+33612345678") == "+33612345678"


def test_the_index_is_keyed_and_stable():
    data = f"k1:{crypto.new_key()}"
    index_key = crypto.new_key()
    one = crypto.keyring_from_settings(data, index_key)
    assert one.index("+33612345678") == crypto.keyring_from_settings(
        f"k2:{crypto.new_key()}", index_key).index("+33612345678")
    assert one.index("+33612345678") != _ring(data).index("+33612345678")


@pytest.mark.parametrize(("data_keys", "index_key", "named"), [
    ("", "x", "SUIVI_DATA_KEYS"),
    ("nokey", crypto.new_key(), "SUIVI_DATA_KEYS"),
    ("k1:short", crypto.new_key(), "SUIVI_DATA_KEYS"),
    (f"k1:{crypto.new_key()},k1:{crypto.new_key()}", crypto.new_key(), "twice"),
    (f"k1:{crypto.new_key()}", "", "SUIVI_INDEX_KEY"),
    (f"k1:{crypto.new_key()}", "c2hvcnQ=", "SUIVI_INDEX_KEY"),
])
def test_a_bad_key_setting_names_the_variable(data_keys, index_key, named):
    with pytest.raises(crypto.KeySettingError, match=named):
        crypto.keyring_from_settings(data_keys, index_key)


def test_keys_are_required_outside_demo_and_kept_by_the_demo(tmp_path):
    base = {"SECRET_KEY": "k", "SUIVI_DATA_DIR": str(tmp_path)}
    with pytest.raises(RuntimeError, match="SUIVI_DATA_KEYS"):
        from_env(base)
    first = from_env({**base, "SUIVI_DEMO": "1"})
    again = from_env({**base, "SUIVI_DEMO": "1"})
    assert first["SUIVI_DATA_KEYS"] == again["SUIVI_DATA_KEYS"]
    crypto.keyring_from_settings(first["SUIVI_DATA_KEYS"], first["SUIVI_INDEX_KEY"])
    assert (tmp_path / "data_key").stat().st_mode & 0o077 == 0
