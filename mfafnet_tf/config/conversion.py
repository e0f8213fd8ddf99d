"""Typed conversion between plain YAML data and the recipe dataclasses."""

import dataclasses
import difflib
import typing

from mfafnet_tf.errors import ConfigError


def from_dict(cls, data, where="", defaults=None):
    """Builds dataclass ``cls`` from a mapping, checking keys and value types.

    Keys missing from ``data`` keep their defaults; nested sections are merged
    key by key onto the default section, so a partial section changes only
    the keys it names.

    Args:
        cls: A dataclass type.
        data: Mapping of field names to plain values (``None`` means defaults).
        where: Dotted key of ``data`` for error messages.
        defaults: Instance of ``cls`` supplying missing values; ``cls()`` if
            ``None``.

    Raises:
        ConfigError: An unknown key (naming the closest valid ones) or a value
            of the wrong type.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{where or 'recipe'}: expected a mapping, found "
            f"{type(data).__name__} {data!r}"
        )
    defaults = cls() if defaults is None else defaults
    hints = typing.get_type_hints(cls)
    names = [field.name for field in dataclasses.fields(cls)]
    values = {}
    for key, value in data.items():
        dotted = f"{where}.{key}" if where else str(key)
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ConfigError(
                f"unknown key '{dotted}'{hint} (valid keys"
                f"{' in ' + where if where else ''}: {', '.join(names)})"
            )
        if dataclasses.is_dataclass(hints[key]):
            values[key] = from_dict(
                hints[key], value, dotted, getattr(defaults, key)
            )
        else:
            values[key] = coerce(value, hints[key], dotted)
    return dataclasses.replace(defaults, **values)


def coerce(value, annotation, where):
    """Checks ``value`` against a type annotation and converts it if needed.

    Ints are accepted where floats are expected; everything else must match.

    Raises:
        ConfigError: The value does not fit the annotation.
    """
    origin = typing.get_origin(annotation)
    if annotation is typing.Any:
        return value
    if dataclasses.is_dataclass(annotation):
        return from_dict(annotation, value, where)
    if origin is typing.Union:
        for option in typing.get_args(annotation):
            if option is type(None):
                if value is None:
                    return None
                continue
            try:
                return coerce(value, option, where)
            except ConfigError:
                continue
        raise _type_error(where, annotation, value)
    if origin is list:
        if not isinstance(value, (list, tuple)):
            raise _type_error(where, annotation, value)
        (item_type,) = typing.get_args(annotation) or (typing.Any,)
        return [
            coerce(item, item_type, f"{where}[{index}]")
            for index, item in enumerate(value)
        ]
    if annotation is dict:
        if not isinstance(value, dict):
            raise _type_error(where, annotation, value)
        return dict(value)
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(where, annotation, value)
        return float(value)
    if annotation is int and isinstance(value, bool):
        raise _type_error(where, annotation, value)
    if not isinstance(value, annotation):
        raise _type_error(where, annotation, value)
    return value


def to_dict(config):
    """Returns the dataclass ``config`` as plain data (YAML-serializable)."""
    return dataclasses.asdict(config)


def _type_name(annotation):
    if isinstance(annotation, type):
        return annotation.__name__
    if typing.get_origin(annotation) is typing.Union:
        options = [
            _type_name(option)
            for option in typing.get_args(annotation)
            if option is not type(None)
        ]
        return " or ".join(options) + (
            " or null" if type(None) in typing.get_args(annotation) else ""
        )
    return str(annotation).replace("typing.", "")


def _type_error(where, annotation, value):
    return ConfigError(
        f"'{where}': expected {_type_name(annotation)}, found "
        f"{type(value).__name__} {value!r}"
    )
