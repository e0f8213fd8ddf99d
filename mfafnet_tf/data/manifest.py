"""Reading the CSV manifest of the generic ``manifest`` dataset."""

import csv
import os

from mfafnet_tf.data.splits import scene_name
from mfafnet_tf.errors import DataError

MODALITIES = ("optical", "sar")
MODALITY_NAMES = {"optical": "optical", "sar": "SAR"}  # for messages and tables


def read_manifest(path):
    """Reads a manifest CSV with columns ``optical,sar[,label][,split][,name]``.

    One of ``optical`` and ``sar`` may be absent (a single-modality dataset).
    Relative paths are taken relative to the manifest's directory.

    Returns:
        A list of dicts with keys name, optical, sar (None when its column is
        absent), label (or None), split (or None).
    """
    path = os.fspath(path)
    base = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, newline="", encoding="utf-8") as stream:
            reader = csv.DictReader(stream)
            columns = [c.strip() for c in reader.fieldnames or []]
            rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k}
                    for row in reader]
    except OSError as error:
        raise DataError(f"manifest {path}: cannot be read ({error})") from None
    modalities = [c for c in MODALITIES if c in columns]
    if not modalities:
        raise DataError(
            f"manifest {path}: no optical or sar column; expected a header with "
            f"optical,sar[,label][,split][,name] (one of optical, sar may be "
            f"absent), found {columns}")
    entries, seen = [], {}
    for line, row in enumerate(rows, 2):
        empty = [c for c in modalities if not row.get(c)]
        if empty:
            raise DataError(
                f"manifest {path}, line {line}: empty {' and '.join(empty)} path")
        name = row.get("name") or scene_name(row[modalities[0]])
        if name in seen:
            raise DataError(
                f"manifest {path}, line {line}: scene name {name!r} repeats line "
                f"{seen[name]}; add a 'name' column with unique names")
        seen[name] = line
        entries.append({
            "name": name,
            **{c: os.path.join(base, row[c]) if c in modalities else None
               for c in MODALITIES},
            "label": os.path.join(base, row["label"]) if row.get("label") else None,
            "split": row.get("split") or None,
        })
    return entries
