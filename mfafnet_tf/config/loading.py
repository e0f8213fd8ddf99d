"""Loading recipes: YAML files, ``--override-file`` and ``--override key=value``."""

import copy
import os

import yaml

from mfafnet_tf.data.atomic import write_text
from mfafnet_tf.config.conversion import from_dict, to_dict
from mfafnet_tf.config.experiment_config import ExperimentConfig
from mfafnet_tf.config.ranges import check_ranges, dotted_keys
from mfafnet_tf.errors import ConfigError

RESOLVED_CONFIG_NAME = "config.yaml"
# Keys renamed since a release, old path -> new name in the same section, so that
# recipes and the config.yaml of runs written before still load.
RENAMED = {("tune", "space", "alignment_kernel"): "alignment"}


def load_config(recipe=None, overrides=(), override_files=()):
    """Loads a recipe and applies overrides on top, in order.

    A recipe may name another recipe under ``base:`` (a path relative to the
    recipe); its values are the starting point.

    Args:
        recipe: Path of a YAML recipe, or ``None`` for the built-in defaults.
        overrides: ``"a.b=value"`` strings; ``value`` is parsed as YAML.
        override_files: YAML files merged on top of the recipe, before
            ``overrides``.

    Returns:
        The resolved ``ExperimentConfig``.

    Raises:
        ConfigError: A missing or malformed file, an unknown key (with the
            closest valid ones), a value of the wrong type or out of range.
    """
    data = read_recipe(recipe) if recipe else {}
    for path in override_files:
        source = _read_yaml(path)
        data = merge(data, source)
        try:
            _build(data, dotted_keys(source))
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None
    for text in overrides:
        data = apply_override(data, text)
    where = os.fspath(recipe) if recipe else "defaults"
    try:
        return _build(data)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None


def read_recipe(path):
    """Reads a recipe file into plain data, resolving its ``base:`` chain."""
    data = _read_yaml(path)
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ConfigError(f"{path}: 'base' must be a recipe path, found {base!r}")
    base_path = os.path.join(os.path.dirname(os.path.abspath(path)), base)
    return merge(read_recipe(base_path), data)


def apply_override(data, text):
    """Returns ``data`` with one ``"a.b.c=value"`` override applied.

    The value is parsed with ``yaml.safe_load`` (``3`` is an int, ``[1, 2]`` a
    list, ``null`` None); its type and range are checked here.
    """
    key, separator, raw = text.partition("=")
    key = key.strip()
    if not separator or not key:
        raise ConfigError(
            f"--override '{text}': expected KEY=VALUE such as train.epochs=5"
        )
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"--override '{text}': value is not valid YAML: {error}")
    result = copy.deepcopy(data)
    node = result
    parts = key.split(".")
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(
                f"--override '{text}': '{'.'.join(parts[: depth + 1])}' "
                f"is a value, not a section"
            )
        node = child
    node[parts[-1]] = value
    try:
        _build(result, [key])
    except ConfigError as error:
        raise ConfigError(f"--override '{text}': {error}") from None
    return result


def merge(base, update):
    """Deep-merges mapping ``update`` into a copy of ``base``."""
    result = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def write_config(config, run_dir):
    """Writes the resolved config as ``<run_dir>/config.yaml`` atomically.

    Returns:
        The path written.
    """
    path = os.path.join(run_dir, RESOLVED_CONFIG_NAME)
    text = yaml.safe_dump(to_dict(config), sort_keys=False)
    write_text(path, text)
    return path


def _build(data, keys=None):
    """Builds the config from plain data, range-checking ``keys`` (all if ``None``)."""
    config = from_dict(ExperimentConfig, data)
    check_ranges(config, keys)
    return config


def _read_yaml(path):
    try:
        with open(path, encoding="utf-8") as stream:
            data = yaml.safe_load(stream)
    except FileNotFoundError:
        raise ConfigError(f"{path}: recipe file not found") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping of sections, found {type(data).__name__}"
        )
    return _renamed(data)


def _renamed(data):
    """``data`` with the keys of ``RENAMED`` moved to their new names."""
    for old, new in RENAMED.items():
        *parents, key = old
        node = data
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and key in node:
            value = node.pop(key)
            node.setdefault(new, value)
    return data
