"""Label-code mapping of the adapters and of user-given mappings."""

import numpy as np
import pytest

from mfafnet_tf.data import IGNORE, LabelMap, get_dataset
from mfafnet_tf.errors import ConfigError, DataError


def test_whu_codes_map_to_seven_classes_and_ignore(tmp_path):
    dataset = get_dataset("whu_opt_sar", tmp_path)
    raw = np.array([[0, 10, 20, 30], [40, 50, 60, 70]], np.uint8)
    np.testing.assert_array_equal(
        dataset.map_labels(raw), [[IGNORE, 0, 1, 2], [3, 4, 5, 6]])
    assert dataset.num_classes == 7
    assert dataset.class_names[1] == "city" and dataset.class_names[5] == "road"


def test_yeseg_codes(tmp_path):
    dataset = get_dataset("yeseg_opt_sar", tmp_path)
    raw = np.arange(8, dtype=np.uint8)
    np.testing.assert_array_equal(dataset.map_labels(raw), [IGNORE, 0, 1, 2, 3, 4, 5, 6])


def test_unknown_code_names_file_and_code(tmp_path):
    dataset = get_dataset("whu_opt_sar", tmp_path)
    with pytest.raises(DataError, match=r"lbl/x\.tif: unknown label code\(s\) 15, 80"):
        dataset.map_labels(np.array([10, 15, 80, 15], np.uint8), "lbl/x.tif")


def test_user_mapping_with_negative_codes_and_ignore():
    mapping = LabelMap.parse("-1:ignore, 1:0, 2:1, 3:1", num_classes=2)
    raw = np.array([-1, 1, 2, 3], np.int16)
    np.testing.assert_array_equal(mapping(raw), [IGNORE, 0, 1, 1])
    assert mapping(raw).dtype == np.uint8
    from_yaml = LabelMap({"-1": None, "1": 0, "2": "1"}, num_classes=2)
    np.testing.assert_array_equal(from_yaml(np.array([2, -1])), [1, IGNORE])


@pytest.mark.parametrize("mapping, found", [
    ({1: 2}, "maps to 2, expected 0..1"),
    ({"a": 0}, "code 'a' is not an integer"),
    ({1: "forest"}, "maps to 'forest'"),
])
def test_bad_mappings_are_config_errors(mapping, found):
    with pytest.raises(ConfigError, match=found):
        LabelMap(mapping, num_classes=2)
