"""Atomic file output: write to a temporary name in the same directory, then rename.

The process writing a temporary file or folder holds an exclusive ``flock`` on
it, which the kernel drops when the process dies, however it dies. A rerun
therefore tells the leftovers of a killed run (no lock) from the temporaries of
a live one (locked) and removes only the former (:func:`remove_stale`).
"""

import contextlib
import csv
import errno
import fcntl
import io
import os
import re
import shutil
import tempfile

from mfafnet_tf.errors import DataError

TEMPORARY_SUFFIX = ".tmp"
# What a full disk or quota looks like to the writer of a file.
NO_SPACE = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "no space left (disk quota exceeded)"}
# Files that belong to a temporary file and go with it (GDAL's metadata sidecar).
COMPANION = r"(?:\.aux\.xml)?"


def _new_file_mode():
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_error(path, error):
    """A DataError naming ``path`` for an OSError met while writing it (a full disk said so)."""
    reason = NO_SPACE.get(error.errno) or error.strerror or str(error)
    return DataError(f"{path}: cannot be written, {reason}")


def temporary_pattern(path, suffix=TEMPORARY_SUFFIX):
    """The names of the temporary files and folders of ``path`` (``.<name>.<random><suffix>``).

    ``<random>`` is mkstemp's 8 characters, or the process id that named the
    temporaries of the releases before these locked ones.
    """
    name = re.escape(os.path.basename(os.fspath(path)))
    return re.compile(rf"(?P<owner>\.{name}\.(?:[a-z0-9_]{{8}}|\d+){re.escape(suffix)}){COMPANION}")


def _hold(path):
    """Opens ``path`` (a file or folder, never through a link) and tries to lock it.

    Returns:
        ``(descriptor, free)``: the open descriptor (None when ``path`` is
        missing or cannot be opened) and whether no live process holds the
        path (True when this call got the lock or ``path`` is missing; False
        when another holder has it, or the file system has no locks).
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None, True
    except OSError:
        return None, False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return descriptor, False
    return descriptor, True


def lock(path):
    """Locks a file or folder that this process writes, so that no rerun takes it for stale.

    Returns:
        The descriptor that holds the lock (close it to release), or None when
        ``path`` is missing.
    """
    descriptor, _ = _hold(path)   # stays unlocked where the file system has no locks
    return descriptor


def remove_stale(directory, pattern):
    """Removes the temporary files and folders in ``directory`` that no live process holds.

    Args:
        directory: Folder to clean.
        pattern: Compiled regex of the names to consider; its group ``owner``
            is the locked temporary that a matching name belongs to (itself,
            or the file whose companion it is). Symbolic links are never
            followed nor removed.
    """
    owners = {}
    for name in sorted(os.listdir(directory)):
        match = pattern.fullmatch(name)
        if match and not os.path.islink(os.path.join(directory, name)):
            owners.setdefault(match.group("owner"), []).append(name)
    for owner, names in owners.items():
        descriptor, free = _hold(os.path.join(directory, owner))
        try:
            if not free:
                continue
            for name in names:
                target = os.path.join(directory, name)
                if os.path.isdir(target):
                    shutil.rmtree(target, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(target)
        finally:
            if descriptor is not None:
                os.close(descriptor)


def _locked_temporary(path, make, suffix=TEMPORARY_SUFFIX):
    """Cleans the stale temporaries of ``path``, then makes and locks a new one with ``make``."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale(directory, temporary_pattern(path, suffix))
    prefix = f".{os.path.basename(path)}."
    while True:
        try:
            temporary = make(prefix=prefix, suffix=suffix, dir=directory)
        except OSError as error:
            raise write_error(path, error) from None
        descriptor = lock(temporary)
        if descriptor is not None and os.fstat(descriptor).st_nlink:
            return temporary, descriptor
        if descriptor is not None:      # another run took it for stale in between: take another
            os.close(descriptor)


def _make_file(**naming):
    handle, temporary = tempfile.mkstemp(**naming)
    os.close(handle)
    return temporary


@contextlib.contextmanager
def atomic_path(path, suffix=TEMPORARY_SUFFIX, durable=False, locked=True):
    """Yields a temporary path beside `path`; renames it to `path` on success.

    The result gets the permissions of a newly created file, not the private
    mode of the temporary one. Stale temporaries of `path` that killed runs
    left are removed first. An OSError of the block on the temporary file, or
    any out of space, becomes a DataError that names `path`.

    Args:
        path: Destination.
        suffix: End of the temporary name (writers such as Keras's check the
            extension).
        durable: Flush the file to disk before the rename and the directory
            after it, so that the new content survives a power loss or kill.
        locked: Hold the lock that tells reruns the temporary is in use;
            False for writers that lock the file themselves (HDF5 does, and
            fails on a file locked by another descriptor).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temporary, descriptor = _locked_temporary(path, _make_file, suffix)
    if not locked:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
    try:
        yield temporary
        os.chmod(temporary, _new_file_mode())
        if durable:
            _fsync(temporary)
        os.replace(temporary, path)
        if durable:
            _fsync(directory)
    except OSError as error:
        if error.errno in NO_SPACE or error.filename == temporary:
            raise write_error(path, error) from None
        raise
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
        os.close(descriptor)


@contextlib.contextmanager
def scratch_folder(path):
    """Yields a temporary folder beside `path` for the files that make it; removes it afterwards.

    Like :func:`atomic_path`, the folder is locked while in use and stale ones
    that killed runs left are removed first.
    """
    path = os.fspath(path)
    folder, descriptor = _locked_temporary(path, tempfile.mkdtemp)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(descriptor)


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
