"""atomic_geotiff: GDAL's .aux.xml sidecar follows the file it belongs to."""

from mfafnet_tf.inference.geotiff_writer import SIDECAR, atomic_geotiff


def test_sidecar_moves_with_the_file_and_a_stale_one_goes(tmp_path):
    target = tmp_path / "map.tif"
    with atomic_geotiff(target) as temporary:
        open(temporary, "w").close()
        with open(temporary + SIDECAR, "w") as stream:
            stream.write("<PAMDataset/>")
    assert (tmp_path / ("map.tif" + SIDECAR)).read_text() == "<PAMDataset/>"
    with atomic_geotiff(target) as temporary:  # the new file has no sidecar
        open(temporary, "w").close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.tif"]
