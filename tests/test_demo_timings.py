"""The demo's per-model wall-time record."""

from types import SimpleNamespace

from mfafnet_tf.cli.demo import run_timing, timings_markdown


def _config(epochs, steps, batch):
    return SimpleNamespace(train=SimpleNamespace(epochs=epochs, steps_per_epoch=steps, batch_size=batch))


def test_run_timing_counts_the_images_of_the_whole_fit():
    timing = run_timing(_config(6, 50, 8), 120.0, 9.04)
    assert timing == {"train_s": 120.0, "evaluate_s": 9.0, "train_images_per_s": 20.0}
    assert run_timing(_config(6, None, 8), 10.0, 1.0)["train_images_per_s"] is None


def test_timings_table_has_one_row_per_model():
    table = timings_markdown({
        "mfafnet_tiny": run_timing(_config(1, 10, 4), 8.0, 2.0),
        "unet_sar": run_timing(_config(1, None, 4), 4.0, 1.0),
    })
    assert table.splitlines()[2:] == ["| mfafnet_tiny | 8.0 | 2.0 | 5.0 |", "| unet_sar | 4.0 | 1.0 | - |"]
