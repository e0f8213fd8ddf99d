"""The fusion peers through the package's prediction and export paths."""

import numpy as np
import pytest
import tensorflow as tf
from osgeo import gdal

from mfafnet_tf.export import export_saved_model
from mfafnet_tf.inference.predict_scene import predict_scene
from mfafnet_tf.models import CMX, MCANet

PEERS = {"cmx_b0": lambda: CMX(3, backbone="mit_b0"), "mcanet_18": lambda: MCANet(3, depth=18)}


@pytest.mark.slow
@pytest.mark.parametrize("peer", sorted(PEERS))
def test_predict_scene_and_the_saved_model_agree_with_keras(peer, tmp_path, coordinate_scene):
    model = PEERS[peer]()
    optical_path, sar_path, optical, sar = coordinate_scene(37, 45)
    model.save(tmp_path / "peer.keras")
    out = tmp_path / "map.tif"
    # One tile covers the scene: the class map is the Keras argmax exactly.
    predict_scene(str(tmp_path / "peer.keras"), optical_path, sar_path, out, tile=64, overlap=0,
                  progress=False)
    dataset = gdal.Open(str(out))
    expected = np.asarray(model({"optical": optical[None], "sar": sar[None]}, training=False))[0].argmax(-1)
    np.testing.assert_array_equal(dataset.ReadAsArray(), expected)
    assert dataset.GetGeoTransform() == gdal.Open(optical_path).GetGeoTransform()

    served = tf.saved_model.load(export_saved_model(model, tmp_path / "serving" / "1"))
    outputs = served.signatures["serving_default"](optical=tf.constant(optical[None]),
                                                   sar=tf.constant(sar[None]))
    np.testing.assert_array_equal(outputs["class_ids"].numpy()[0], expected)
