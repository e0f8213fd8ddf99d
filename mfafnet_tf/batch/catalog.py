"""Scene catalogs: a manifest CSV or a STAC ItemCollection of optical/SAR pairs."""

import collections
import json
import os
import re

from mfafnet_tf.data.manifest import read_manifest
from mfafnet_tf.errors import DataError

SceneJob = collections.namedtuple("SceneJob", ["name", "optical", "sar", "source_item", "datetime"])
SceneJob.__doc__ = """One scene to predict.

name: Unique scene name; also the stem of its output files.
optical: Optical GeoTIFF path or URL, or None.
sar: SAR GeoTIFF path or URL, or None.
source_item: Absolute href of the STAC Item it came from, or None (a manifest, or
    an item without a self link).
datetime: The item's ISO 8601 acquisition time, or None.
"""

# STAC asset keys of the two modalities.
ASSET_KEYS = ("optical", "sar")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def output_stem(name):
    """A file-name- and STAC-id-safe form of a scene name (``HY_C/12`` -> ``HY_C_12``)."""
    return _UNSAFE.sub("_", name).strip("_") or "scene"


def read_catalog(path):
    """Reads a scene catalog into a list of :class:`SceneJob`.

    A ``.json`` file is a STAC ItemCollection whose items carry ``optical`` and/or
    ``sar`` assets (relative hrefs are taken relative to the file); anything
    else is a manifest CSV (``optical,sar[,name]``, see
    :func:`mfafnet_tf.data.manifest.read_manifest`).

    Raises:
        DataError: The catalog cannot be read, lists no scenes, lacks both
            modalities for a scene, or two scenes map to the same output name.
    """
    path = os.fspath(path)
    jobs = _read_stac(path) if path.lower().endswith(".json") else _read_manifest(path)
    if not jobs:
        raise DataError(f"catalog {path}: expected at least one scene, found none")
    seen = {}
    for job in jobs:
        stem = output_stem(job.name)
        if stem in seen:
            raise DataError(
                f"catalog {path}: scenes {seen[stem]!r} and {job.name!r} both give the output name "
                f"{stem!r}; give them distinct names")
        seen[stem] = job.name
    return jobs


def _read_manifest(path):
    return [SceneJob(entry["name"], entry["optical"], entry["sar"], None, None)
            for entry in read_manifest(path)]


def _read_stac(path):
    import pystac

    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except (OSError, ValueError) as error:
        raise DataError(f"catalog {path}: cannot be read as JSON ({error})") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise DataError(f"catalog {path}: expected a STAC ItemCollection (type FeatureCollection), found {found!r}")
    try:
        collection = pystac.ItemCollection.from_dict(document, preserve_dict=False)
    except (pystac.STACError, KeyError, TypeError, ValueError) as error:
        raise DataError(f"catalog {path}: not a valid STAC ItemCollection ({error})") from None
    base = os.path.dirname(os.path.abspath(path))
    jobs = []
    for item in collection:
        hrefs = {key: _absolute(item.assets[key].href, base) if key in item.assets else None
                 for key in ASSET_KEYS}
        if not any(hrefs.values()):
            raise DataError(
                f"catalog {path}, item {item.id!r}: expected an 'optical' and/or a 'sar' asset, "
                f"found assets {sorted(item.assets)}")
        self_link = item.get_self_href()
        when = item.datetime.isoformat() if item.datetime else None
        jobs.append(SceneJob(item.id, hrefs["optical"], hrefs["sar"],
                             _absolute(self_link, base) if self_link else None, when))
    return jobs


def _absolute(href, base):
    if "://" in href or os.path.isabs(href):
        return href
    return os.path.normpath(os.path.join(base, href))
