"""Atomic file output: write to a temporary name in the same directory, then rename."""

import contextlib
import csv
import glob
import io
import os
import tempfile


def _new_file_mode():
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path, suffix=".tmp", durable=False):
    """Yields a temporary path beside `path`; renames it to `path` on success.

    The result gets the permissions of a newly created file, not the private
    mode of the temporary one.

    Args:
        path: Destination.
        suffix: End of the temporary name (writers such as Keras's check the
            extension); leftovers match :func:`remove_leftovers`' pattern.
        durable: Flush the file to disk before the rename and the directory
            after it, so that the new content survives a power loss or kill.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.", suffix=suffix, dir=directory)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, _new_file_mode())
        if durable:
            _fsync(temporary)
        os.replace(temporary, path)
        if durable:
            _fsync(directory)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def remove_leftovers(path, suffix=".tmp"):
    """Removes the temporary files that killed writers of `path` left.

    Only names :func:`atomic_path` gives (``.<name>.<random><suffix>`` beside
    `path`) are removed, never other files.

    Returns:
        The paths removed.
    """
    path = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(path))
    pattern = os.path.join(glob.escape(directory), f".{glob.escape(name)}.*{glob.escape(suffix)}")
    leftovers = [match for match in glob.glob(pattern) if os.path.isfile(match)]
    for leftover in leftovers:
        os.remove(leftover)
    return leftovers


def _fsync(path):
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_text(path, text, durable=False):
    """Writes a text file atomically (see :func:`atomic_path` for `durable`)."""
    with atomic_path(path, durable=durable) as temporary:
        with open(temporary, "w", encoding="utf-8") as stream:
            stream.write(text)


def write_csv(path, rows, fields):
    """Writes dict rows as a CSV file with the columns ``fields``, atomically."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, text.getvalue())
