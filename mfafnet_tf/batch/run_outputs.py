"""The files of a batch run's output folder, and its end-of-run summary."""

import json
import os

import pystac

from mfafnet_tf.batch.catalog import output_stem
from mfafnet_tf.batch.cog_check import is_valid_cog
from mfafnet_tf.batch.mosaic import build_mosaic
from mfafnet_tf.batch.stac_collection import COLLECTION_FILE, run_collection
from mfafnet_tf.data.atomic import write_text
from mfafnet_tf.errors import MfafnetError

SUMMARY_FILE = "failures.json"
MOSAIC_FILE = "mosaic.vrt"


class RunOutputs:
    """The output folder of a run: per scene ``<stem>.tif`` (COG) and ``<stem>.json``
    (STAC Item); per run ``collection.json``, ``mosaic.vrt`` and ``failures.json``.

    Args:
        root: The folder (created when needed).
    """

    def __init__(self, root):
        self.root = os.fspath(root)

    def class_map(self, job):
        """Path of a scene's class-map COG."""
        return os.path.join(self.root, output_stem(job.name) + ".tif")

    def item(self, job):
        """Path of a scene's STAC Item."""
        return os.path.join(self.root, output_stem(job.name) + ".json")

    @property
    def summary(self):
        """Path of the run summary (``failures.json``)."""
        return os.path.join(self.root, SUMMARY_FILE)

    def is_finished(self, job):
        """True when the scene's COG exists and validates and its Item is readable."""
        if not (os.path.isfile(self.class_map(job)) and os.path.isfile(self.item(job))):
            return False
        try:
            return read_item(self.item(job)).id == output_stem(job.name) and is_valid_cog(self.class_map(job))
        except (OSError, ValueError, KeyError, pystac.STACError):
            return False

    def write_item(self, item):
        """Writes a STAC Item as ``<id>.json``, atomically."""
        path = os.path.join(self.root, item.id + ".json")
        write_text(path, json.dumps(item.to_dict(include_self_link=False, transform_hrefs=False), indent=2) + "\n")
        return path

    def finish(self, jobs, results, *, collection_id, description):
        """Writes the run's summary, Collection and VRT mosaic; returns the summary dict.

        Args:
            jobs: All the run's :class:`~mfafnet_tf.batch.catalog.SceneJob`.
            results: One dict per scene: ``name``, ``status`` (``predicted``,
                ``skipped`` or ``failed``) and, for failures, ``error``.
            collection_id: Id of the Collection.
            description: Its description.
        """
        by_name = {result["name"]: result for result in results}
        finished = [job for job in jobs if by_name.get(job.name, {}).get("status") in ("predicted", "skipped")]
        summary = {
            "scenes": len(jobs),
            "predicted": [r["name"] for r in results if r["status"] == "predicted"],
            "skipped": [r["name"] for r in results if r["status"] == "skipped"],
            "failed": [{"name": job.name, "optical": job.optical, "sar": job.sar,
                        "error": by_name[job.name].get("error", "no result")}
                       for job in jobs if by_name.get(job.name, {}).get("status") not in ("predicted", "skipped")],
        }
        if finished:
            items = [read_item(self.item(job)) for job in finished]
            collection = run_collection(items, collection_id, description)
            write_text(os.path.join(self.root, COLLECTION_FILE),
                       json.dumps(collection.to_dict(include_self_link=False, transform_hrefs=False), indent=2) + "\n")
            try:
                build_mosaic([self.class_map(job) for job in finished], os.path.join(self.root, MOSAIC_FILE))
            except MfafnetError as error:
                summary["mosaic_error"] = str(error)
        write_text(self.summary, json.dumps(summary, indent=2) + "\n")
        return summary


def read_item(path):
    """Reads a STAC Item JSON file."""
    with open(path, encoding="utf-8") as stream:
        return pystac.Item.from_dict(json.load(stream), preserve_dict=False)
