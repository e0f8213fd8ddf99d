"""Catalog-scale prediction as an Apache Beam pipeline: one element per scene."""

import json
import os

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.utils.shared import Shared

from mfafnet_tf.batch.catalog import read_catalog
from mfafnet_tf.batch.run_outputs import RunOutputs
from mfafnet_tf.inference.predict_settings import PredictSettings


class PredictSceneFn(beam.DoFn):
    """Predicts one :class:`~mfafnet_tf.batch.catalog.SceneJob` to a COG and a STAC Item.

    The model is loaded in ``setup`` through a ``Shared`` handle, so a worker
    process holds one copy whatever its number of threads, and memory per
    worker stays that of one ``predict_scene``. A scene whose outputs exist and
    validate is skipped; any error of a scene becomes a ``failed`` result
    instead of stopping the pipeline.

    Args:
        model: ``.keras`` file or SavedModel directory, readable by the workers.
        out: Output folder, shared by the workers.
        settings: The :class:`~mfafnet_tf.inference.predict_settings.PredictSettings`
            of every scene.
        collection_id: Id of the run's STAC Collection.
    """

    def __init__(self, model, out, settings, collection_id):
        self._model = os.fspath(model)
        self._out = os.fspath(out)
        self._settings = settings
        self._collection_id = collection_id
        self._shared = Shared()
        self._runner = None

    def setup(self):
        from mfafnet_tf.inference.predict_scene import limit_gdal_cache

        limit_gdal_cache()
        self._runner = self._shared.acquire(self._load_model)

    def _load_model(self):
        from mfafnet_tf.inference.model_loading import load_model

        return load_model(self._model)

    def process(self, job):
        """Yields ``{"name", "status"[, "error"]}`` for one scene."""
        from mfafnet_tf.batch.stac_items import scene_item
        from mfafnet_tf.inference.cog import predict_cog

        outputs = RunOutputs(self._out)
        if outputs.is_finished(job):
            yield {"name": job.name, "status": "skipped"}
            return
        try:
            class_map = predict_cog(self._runner, job.optical, job.sar, outputs.class_map(job),
                                    self._settings, progress=False)
            outputs.write_item(scene_item(job, class_map, self._model, collection_id=self._collection_id))
        except Exception as error:  # noqa: BLE001  one bad scene must not stop the catalog
            yield {"name": job.name, "status": "failed", "error": f"{type(error).__name__}: {error}"}
            return
        yield {"name": job.name, "status": "predicted"}


def _finish(results, jobs, out, collection_id, description):
    return RunOutputs(out).finish(jobs, results, collection_id=collection_id, description=description)


def run_batch(catalog, model, out, *, runner="DirectRunner", pipeline_args=(), settings=None,
              collection_id=None):
    """Predicts every scene of a catalog on Apache Beam; returns the run summary.

    Outputs in ``out`` (see :class:`~mfafnet_tf.batch.run_outputs.RunOutputs`):
    a COG and a STAC Item per scene, then, once all scenes are done, the STAC
    Collection, the VRT mosaic and ``failures.json``. Scenes whose outputs
    already exist and validate are skipped, so a rerun resumes.

    Args:
        catalog: Manifest CSV or STAC ItemCollection JSON
            (:func:`~mfafnet_tf.batch.catalog.read_catalog`).
        model: ``.keras`` file or SavedModel directory.
        out: Output folder, on storage that the workers and this process share.
        runner: Beam runner name (DirectRunner, PrismRunner, FlinkRunner,
            SparkRunner, DataflowRunner, ...).
        pipeline_args: Further Beam pipeline options, e.g.
            ``["--direct_num_workers=2", "--direct_running_mode=multi_processing"]``.
        settings: :class:`~mfafnet_tf.inference.predict_settings.PredictSettings`
            of the scenes (default: the defaults).
        collection_id: Id of the run's Collection (default: the folder's name).

    Returns:
        The summary dict written to ``failures.json``: scene count, the names
        predicted and skipped, and the failed scenes with their errors.

    Raises:
        DataError: The catalog cannot be read.
    """
    jobs = read_catalog(catalog)
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    collection_id = collection_id or os.path.basename(out.rstrip(os.sep)) or "mfafnet-run"
    description = (f"MFAFNet class maps of {os.path.basename(os.fspath(catalog))}, "
                   f"predicted with {os.path.basename(os.fspath(model))}")
    summary = RunOutputs(out).summary
    if os.path.exists(summary):
        os.remove(summary)  # a failed pipeline must not leave an earlier run's summary to be read
    options = PipelineOptions(list(pipeline_args), runner=runner)
    with beam.Pipeline(options=options) as pipeline:
        _ = (
            pipeline
            | "Catalog" >> beam.Create(jobs)
            | "Spread" >> beam.Reshuffle()
            | "Predict" >> beam.ParDo(PredictSceneFn(model, out, settings or PredictSettings(), collection_id))
            | "Gather" >> beam.combiners.ToList()
            | "Finish" >> beam.Map(_finish, jobs, out, collection_id, description)
        )
    with open(summary, encoding="utf-8") as stream:
        return json.load(stream)
