"""Reading the CSV manifest of the generic ``manifest`` dataset."""

import csv
import os

from mfafnet_tf.data.splits import scene_name
from mfafnet_tf.errors import DataError

REQUIRED_COLUMNS = ("optical", "sar")


def read_manifest(path):
    """Reads a manifest CSV with columns ``optical,sar[,label][,split][,name]``.

    Relative paths are taken relative to the manifest's directory.

    Returns:
        A list of dicts with keys name, optical, sar, label (or None), split (or None).
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
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DataError(
            f"manifest {path}: missing column(s) {', '.join(missing)}; expected a "
            f"header with optical,sar[,label][,split][,name], found {columns}")
    entries, seen = [], {}
    for line, row in enumerate(rows, 2):
        if not row["optical"] or not row["sar"]:
            raise DataError(f"manifest {path}, line {line}: empty optical or sar path")
        name = row.get("name") or scene_name(row["optical"])
        if name in seen:
            raise DataError(
                f"manifest {path}, line {line}: scene name {name!r} repeats line "
                f"{seen[name]}; add a 'name' column with unique names")
        seen[name] = line
        entries.append({
            "name": name,
            "optical": os.path.join(base, row["optical"]),
            "sar": os.path.join(base, row["sar"]),
            "label": os.path.join(base, row["label"]) if row.get("label") else None,
            "split": row.get("split") or None,
        })
    return entries
