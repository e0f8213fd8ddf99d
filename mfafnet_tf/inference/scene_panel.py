"""A PNG panel of a scene: optical RGB, SAR, class map (and label, error map) side by side.

Every image is a nearest-neighbour decimation of the scene (`PreviewGrid`), so
panels of scenes of any size stay cheap to read and to draw.
"""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mfafnet_tf.data import Window
from mfafnet_tf.data.atomic import atomic_path
from mfafnet_tf.data.labels import IGNORE
from mfafnet_tf.data.stats import apply_transform
from mfafnet_tf.inference.palette import NODATA_CLASS, QUICKLOOK_NODATA_RGB, class_map_rgb
from mfafnet_tf.inference.preview_grid import PreviewGrid

# Longest side of each image of a panel, in scene pixels.
PANEL_SIZE = 512
# Percentiles of the contrast stretch of the optical and the SAR.
STRETCH = (2.0, 98.0)
# Error map colours: correct, wrong, not scored (ignore label or nodata input).
CORRECT_RGB = (235, 235, 235)
WRONG_RGB = (220, 20, 60)
NOT_SCORED_RGB = (128, 128, 128)
IMAGE_INCHES = 3.2
DPI = 110


def class_legend(class_names, colors, nodata=False):
    """Legend patches of the classes, and of nodata (black) when `nodata`."""
    handles = [
        Patch(facecolor=np.asarray(colors[index]) / 255.0, edgecolor="black", label=name)
        for index, name in enumerate(class_names)
    ]
    if nodata:
        handles.append(Patch(facecolor=np.asarray(QUICKLOOK_NODATA_RGB) / 255.0,
                             edgecolor="black", label="nodata"))
    return handles


def _stretch(values):
    """Values linearly mapped from their STRETCH percentiles to 0..1 (NaN stays NaN)."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return values
    low, high = np.percentile(finite, STRETCH)
    return np.clip((values - low) / (high - low if high > low else 1.0), 0.0, 1.0)


def _to_rgb(unit, invalid):
    rgb = np.round(np.nan_to_num(unit) * 255).astype(np.uint8)
    rgb[invalid] = QUICKLOOK_NODATA_RGB
    return rgb


def optical_rgb(optical):
    """uint8 [h, w, 3] of the first three optical bands (R, G, B in the package's
    band order), each stretched between its 2nd and 98th percentile; one or two
    bands: the first in grey. Nodata (NaN in any band) is black."""
    bands = optical[..., :3] if optical.shape[-1] >= 3 else optical[..., :1].repeat(3, -1)
    unit = np.stack([_stretch(bands[..., i]) for i in range(3)], axis=-1)
    return _to_rgb(unit, np.isnan(optical).any(axis=-1))


def sar_gray(sar):
    """uint8 [h, w, 3] grey image of the first SAR band in dB (2-98 % stretch).

    Values are taken as linear intensity and converted to dB, unless some are
    negative (then they are dB already). Nodata is black.
    """
    values = sar[..., 0].astype(np.float64)
    invalid = ~np.isfinite(values)
    if not (values[~invalid] < 0).any():
        with np.errstate(invalid="ignore"):
            values = apply_transform(values, "db")
    unit = _stretch(np.where(invalid, np.nan, values))
    return _to_rgb(np.repeat(unit[..., None], 3, -1), invalid)


def error_rgb(predicted, labels, num_classes):
    """uint8 [h, w, 3]: correct pixels light, wrong ones crimson, unscored ones grey.

    A pixel is not scored where its label is ignore (or any id >= num_classes)
    or where there is no prediction (nodata input, id >= num_classes).
    """
    rgb = np.empty(labels.shape + (3,), np.uint8)
    rgb[...] = NOT_SCORED_RGB
    scored = (labels < num_classes) & (predicted < num_classes)
    rgb[scored & (labels == predicted)] = CORRECT_RGB
    rgb[scored & (labels != predicted)] = WRONG_RGB
    return rgb


def read_inputs(scene, grid):
    """The scene's optical and SAR decimated to `grid` (float32, NaN = nodata)."""
    window = scene.read(Window(0, 0, scene.width, scene.height), size=grid.size)
    return window.optical, window.sar


class PanelPixels:
    """The decimated inputs of an open scene and its prediction (and labels), gathered
    window by window for a panel.

    Args:
        scene: the open `Scene`; its inputs are read (decimated) at once.
        max_size: longest side of each image of the panel, in pixels.
        labels: also gather labels (the panel then shows the label and errors).
    """

    def __init__(self, scene, max_size=PANEL_SIZE, labels=False):
        self.grid = PreviewGrid(scene.width, scene.height, max_size)
        self.optical, self.sar = read_inputs(scene, self.grid)
        self.predicted = self.grid.full(NODATA_CLASS, "uint8")
        self.labels = self.grid.full(IGNORE, "uint8") if labels else None

    def add(self, window, predicted, labels=None):
        """Keeps the previewed pixels of one window's [h, w] class ids (255 = nodata)
        and label ids (IGNORE = not scored)."""
        self.grid.paste(self.predicted, window, predicted)
        if labels is not None:
            self.grid.paste(self.labels, window, labels)

    def write(self, out, class_names, colors, title=None):
        """Writes the panel PNG (see `write_scene_panel`); returns `out`."""
        return write_scene_panel(out, self.optical, self.sar, self.predicted, class_names,
                                 colors, labels=self.labels, title=title)


def write_scene_panel(out, optical, sar, predicted, class_names, colors, *, labels=None,
                      title=None):
    """Writes the panel PNG, atomically.

    Args:
        out: PNG path.
        optical: float32 [h, w, Co] decimated optical (Co may be 0: not drawn).
        sar: float32 [h, w, Cs] decimated SAR (Cs may be 0: not drawn).
        predicted: uint8 [h, w] class ids, 255 = nodata.
        class_names: names of ids 0..K-1.
        colors: uint8 [K, 3] class colours.
        labels: uint8 [h, w] label ids (255 = ignore); adds the label and an
            error map.
        title: the figure's title (the scene's name).

    Returns:
        `out`.
    """
    num_classes = len(class_names)
    images = []
    if optical.shape[-1]:
        images.append(("optical RGB (2-98 % stretch)", optical_rgb(optical)))
    if sar.shape[-1]:
        images.append(("SAR (dB, 2-98 % stretch)", sar_gray(sar)))
    images.append(("prediction", class_map_rgb(predicted, colors)))
    nodata = bool((predicted >= num_classes).any())
    errors = []
    if labels is not None:
        images.append(("label", class_map_rgb(labels, colors)))
        scored = (labels < num_classes) & (predicted < num_classes)
        wrong = scored & (labels != predicted)
        share = 100.0 * wrong.sum() / max(1, scored.sum())
        images.append((f"errors ({share:.1f} % of scored pixels)",
                       error_rgb(predicted, labels, num_classes)))
        nodata |= bool((labels >= num_classes).any())
        errors = [Patch(facecolor=np.asarray(rgb) / 255.0, edgecolor="black", label=name)
                  for name, rgb in (("correct", CORRECT_RGB), ("wrong", WRONG_RGB),
                                    ("not scored", NOT_SCORED_RGB))]
    height, width = predicted.shape
    legend_inches = 1.8
    figure_width = IMAGE_INCHES * len(images) + legend_inches
    figure_height = IMAGE_INCHES * height / width + 0.6
    figure = Figure(figsize=(figure_width, figure_height), dpi=DPI)
    FigureCanvasAgg(figure)
    share = IMAGE_INCHES / figure_width
    for index, (name, rgb) in enumerate(images):
        axes = figure.add_axes((index * share + 0.005, 0.02, share - 0.01,
                                1 - 0.5 / figure_height))
        axes.imshow(rgb, interpolation="nearest")
        axes.set_title(name, fontsize="small")
        axes.set_xticks([])
        axes.set_yticks([])
    label_nodata = "nodata / ignore" if labels is not None else "nodata"
    handles = class_legend(class_names, colors, nodata=nodata)
    if nodata:
        handles[-1].set_label(label_nodata)
    figure.legend(handles=handles + errors, loc="center right", frameon=False,
                  fontsize="small")
    if title:
        figure.suptitle(title, fontsize="medium", y=0.995, va="top")
    with atomic_path(out) as temporary:
        figure.savefig(temporary, format="png", facecolor="white")
    return out
