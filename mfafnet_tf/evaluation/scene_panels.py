"""Gathering, during an evaluation, one input/prediction/label/error panel per scene."""

import os
import re

from mfafnet_tf.inference.palette import class_colors
from mfafnet_tf.inference.scene_panel import PANEL_SIZE, PanelPixels

PANEL_DIR = "panels"


def panel_file_name(scene_name):
    """A PNG file name for a scene name (path separators and odd characters as '_')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", scene_name) + ".png"


class ScenePanels:
    """Collects the decimated prediction and labels of each scene and writes its panel.

    Call `begin` when a scene is open, `add` for each predicted window and
    `finish` before the scene is closed.

    Args:
        out_dir: directory of the panels (created when the first is written).
        class_names: names of class ids 0..K-1.
        max_size: longest side of each image of a panel, in pixels.
    """

    def __init__(self, out_dir, class_names, max_size=PANEL_SIZE):
        self.out_dir = os.fspath(out_dir)
        self.class_names = tuple(class_names)
        self.colors = class_colors(self.class_names)
        self.max_size = max_size
        self.paths = []
        self._scene = None

    def begin(self, name, scene):
        """Starts the panel of the open `scene` and reads its decimated inputs."""
        self._scene = (name, PanelPixels(scene, self.max_size, labels=True))

    def add(self, window, predicted, labels):
        """Keeps the previewed pixels of one window.

        Args:
            window: the `Window` predicted.
            predicted: [h, w] class ids, NODATA_CLASS where the input is nodata.
            labels: [h, w] uint8 label ids (IGNORE = not scored).
        """
        self._scene[1].add(window, predicted, labels)

    def finish(self):
        """Writes the scene's panel; returns its path."""
        (name, pixels), self._scene = self._scene, None
        path = os.path.join(self.out_dir, panel_file_name(name))
        pixels.write(path, self.class_names, self.colors, title=name)
        self.paths.append(path)
        return path
