"""Argument types shared by the ``mfafnet`` subcommands."""

import argparse


def band_list(text):
    """Parses a 1-based band list such as ``4,3,2,8`` into a tuple of ints."""
    try:
        return tuple(int(value) for value in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 1-based band numbers such as 1,2,3, found {text!r}"
        ) from None


def name_list(text):
    """Parses comma-separated names such as ``water, forest`` (spaces trimmed)."""
    return [name.strip() for name in text.split(",")]
