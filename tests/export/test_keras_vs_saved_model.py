"""predict_scene gives the same map from the .keras file and from the SavedModel."""

import glob
import os

import numpy as np
import pytest
from osgeo import gdal

from mfafnet_tf.data.synthetic import synthesize
from mfafnet_tf.inference.predict_scene import predict_scene


@pytest.mark.slow  # pays for building, saving and exporting MFAFNet-tiny (session fixtures)
def test_keras_file_and_saved_model_give_the_same_map(tmp_path, keras_file, saved_model_dir):
    synthesize(tmp_path / "scenes", scenes=1, size=(44, 52), seed=5, progress=False)
    optical, = glob.glob(os.path.join(tmp_path, "scenes", "optical", "*.tif"))
    sar, = glob.glob(os.path.join(tmp_path, "scenes", "sar", "*.tif"))
    maps = {}
    for name, model in (("keras", keras_file), ("saved_model", saved_model_dir)):
        out = tmp_path / f"{name}.tif"
        predict_scene(str(model), optical, sar, out, tile=32, overlap=8, batch_size=2,
                      probabilities=tmp_path / f"{name}_probabilities.tif", progress=False)
        dataset = gdal.Open(str(out))
        maps[name] = dataset.ReadAsArray()
        # GDAL 3.6 loads the .aux.xml sidecar lazily, on the first georeference query.
        assert dataset.GetGeoTransform() == gdal.Open(optical).GetGeoTransform()
        assert dataset.GetRasterBand(1).GetCategoryNames() == ["water", "forest", "city"]
        maps[name + "_probabilities"] = gdal.Open(str(tmp_path / f"{name}_probabilities.tif")).ReadAsArray()
    np.testing.assert_array_equal(maps["keras"], maps["saved_model"])
    np.testing.assert_allclose(maps["keras_probabilities"], maps["saved_model_probabilities"], atol=1e-4)  # BN folded on export: float32 rounding
    assert (maps["keras"] < 3).any()  # not all nodata
