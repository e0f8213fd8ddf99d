"""A damaged ``.keras`` file is reported as such, not as a missing file."""

import zipfile

import keras
import pytest

from mfafnet_tf.cli.main import main
from mfafnet_tf.errors import DataError
from mfafnet_tf.inference.model_loading import load_keras_model


@pytest.fixture()
def saved_model(tmp_path):
    optical = keras.Input((None, None, 2), name="optical")
    model = keras.Model(optical, keras.layers.Conv2D(3, 1)(optical))
    path = tmp_path / "model.keras"
    model.save(path)
    return path


@pytest.mark.parametrize("share", [0.0, 0.01, 0.5, 0.99])
def test_truncated_keras_file_is_named_as_damaged(saved_model, tmp_path, share, capsys):
    data = saved_model.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: int(len(data) * share)])
    with pytest.raises(DataError) as error:
        load_keras_model(truncated)
    message = str(error.value)
    assert "truncated.keras" in message and "not found" not in message.lower()
    assert "the file exists" in message and "not a valid, complete .keras archive" in message

    assert main(["export", "--model", str(truncated), "--out", str(tmp_path / "out")]) == 1
    error_lines = capsys.readouterr().err.strip().splitlines()
    assert len(error_lines) == 1 and "not a valid, complete .keras archive" in error_lines[0]


def test_keras_file_with_a_damaged_member_is_named_as_damaged(saved_model, tmp_path):
    with zipfile.ZipFile(saved_model) as archive:
        member = archive.getinfo("config.json")
        start = member.header_offset + 30 + len(member.filename) + len(member.extra)
    data = bytearray(saved_model.read_bytes())
    data[start:start + 8] = b"########"  # the central directory stays intact
    damaged = tmp_path / "damaged.keras"
    damaged.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"damaged\.keras: .*the file exists .* not a valid, complete"):
        load_keras_model(damaged)
