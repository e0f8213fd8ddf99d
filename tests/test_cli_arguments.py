"""Argument types shared by the mfafnet subcommands."""

import pytest

from mfafnet_tf.cli.main import main


def test_class_names_are_trimmed_and_bad_bands_are_refused(capsys):
    from mfafnet_tf.cli.arguments import band_list, name_list

    assert name_list("water, forest ,road") == ["water", "forest", "road"]
    assert band_list("4,3,2") == (4, 3, 2)
    with pytest.raises(SystemExit):
        main(["predict", "--model", "m", "--optical", "o", "--sar", "s", "--out", "x",
              "--optical-bands", "1,b"])
    assert "expected 1-based band numbers such as 1,2,3, found '1,b'" in capsys.readouterr().err
