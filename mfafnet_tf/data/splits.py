"""Scene split files and a spatially separated validation set."""

import math
import os

from mfafnet_tf.data import atomic
from mfafnet_tf.errors import DataError


def scene_name(path):
    """A scene's name: its path without extension, with forward slashes (``HY_C/12``)."""
    return os.path.splitext(os.fspath(path).replace("\\", "/"))[0]


def read_split_file(path):
    """Reads scene splits.

    Two formats are accepted: lines of ``name split`` and the WHU-OPT-SAR
    division file (a ``train:`` or ``test:`` heading followed by one file name a
    line). Names may carry a file extension; names of scenes in subfolders
    keep their folder (``HY_C/12``); ``#`` starts a comment.

    Returns:
        dict scene name -> split name.
    """
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as stream:
            lines = stream.read().splitlines()
    except OSError as error:
        raise DataError(f"split file {path}: cannot be read ({error})") from None
    splits, section = {}, None
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) == 1 and fields[0].endswith(":"):
            section = fields[0][:-1]
            continue
        if len(fields) == 2:
            name, split = fields
        elif len(fields) == 1 and section:
            name, split = fields[0], section
        else:
            raise DataError(
                f"split file {path}, line {number}: expected 'name split', found "
                f"{line.strip()!r}")
        splits[scene_name(name)] = split
    if not splits:
        raise DataError(f"split file {path}: no scenes listed")
    return splits


def write_split_file(path, splits):
    """Writes ``name split`` lines atomically."""
    text = "".join(f"{name} {split}\n" for name, split in sorted(splits.items()))
    atomic.write_text(path, text)


def spatial_holdout(centers, fraction):
    """Chooses whole scenes forming one spatial block, away from the rest.

    The scenes are ordered along the principal axis of their centres and the
    block at one end is taken, so validation scenes neighbour each other rather
    than the remaining training scenes.

    Args:
        centers: dict scene name -> (x, y) centre in map units.
        fraction: share of the scenes to hold out (at least one when there are
            two or more scenes, never all).

    Returns:
        The set of held-out scene names.
    """
    names = sorted(centers)
    if len(names) < 2 or fraction <= 0:
        return set()
    count = min(len(names) - 1, max(1, math.ceil(fraction * len(names))))
    mean_x = sum(centers[n][0] for n in names) / len(names)
    mean_y = sum(centers[n][1] for n in names) / len(names)
    sxx = sum((centers[n][0] - mean_x) ** 2 for n in names)
    syy = sum((centers[n][1] - mean_y) ** 2 for n in names)
    sxy = sum((centers[n][0] - mean_x) * (centers[n][1] - mean_y) for n in names)
    angle = 0.5 * math.atan2(2 * sxy, sxx - syy)
    axis = (math.cos(angle), math.sin(angle))

    def position(name):
        return (centers[name][0] - mean_x) * axis[0] + (centers[name][1] - mean_y) * axis[1]

    ordered = sorted(names, key=lambda n: (position(n), n))
    return set(ordered[-count:])
