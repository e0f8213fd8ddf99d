"""Declarative dataset adapters: where the files are, which bands, which label codes."""

import collections
import dataclasses
import inspect
import os

from mfafnet_tf.data import raster, splits
from mfafnet_tf.data.align import ALIGN_MODES
from mfafnet_tf.data.labels import LabelMap
from mfafnet_tf.data.manifest import MODALITIES, read_manifest
from mfafnet_tf.data.scene import open_scene
from mfafnet_tf.data.whu_split import WHU_OFFICIAL_SPLIT
from mfafnet_tf.errors import ConfigError, DataError


class SceneRecord(collections.namedtuple(
        "SceneRecord", ["name", "optical", "sar", "label", "split"])):
    """One scene of a dataset: name, file paths (label and one of optical, SAR may be None), split."""

    __slots__ = ()

    @property
    def path(self):
        """The optical file's path, else the SAR file's (for messages and the scene's grid)."""
        return self.optical if self.optical is not None else self.sar


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """How a dataset is laid out on disk and what its label codes mean.

    Attributes:
        name: registry name.
        class_names: names of class ids 0..K-1 (empty: given by the user).
        label_codes: raw code -> class id or "ignore" (empty: given by the user).
        optical_dir, sar_dir, label_dir: sub-directories of the root holding the
            partner files under the same relative names (None: from a manifest).
        extensions: file extensions of the scenes.
        optical_bands, sar_bands: default 1-based band selections (None: all).
        optical_channels, sar_channels: expected channel counts (None: any).
        official_split: scene name -> split for names that match.
        val_fraction: share of training scenes carved into a spatially
            separated validation set by default.
    """

    name: str
    class_names: tuple = ()
    label_codes: dict = dataclasses.field(default_factory=dict)
    optical_dir: str = None
    sar_dir: str = None
    label_dir: str = None
    extensions: tuple = (".tif", ".tiff")
    optical_bands: tuple = None
    sar_bands: tuple = None
    optical_channels: int = None
    sar_channels: int = None
    official_split: dict = dataclasses.field(default_factory=dict)
    val_fraction: float = 0.0


WHU_CLASSES = ("farmland", "city", "village", "water", "forest", "road", "others")
YESEG_CLASSES = ("bare ground", "low vegetation", "trees", "houses", "water",
                 "roads", "other")

DATASETS = {
    "whu_opt_sar": DatasetSpec(
        name="whu_opt_sar", class_names=WHU_CLASSES,
        label_codes={0: "ignore", **{10 * (i + 1): i for i in range(7)}},
        optical_dir="optical", sar_dir="sar", label_dir="lbl",
        optical_channels=4, sar_channels=1,
        official_split=WHU_OFFICIAL_SPLIT, val_fraction=0.1),
    "yeseg_opt_sar": DatasetSpec(
        name="yeseg_opt_sar", class_names=YESEG_CLASSES,
        label_codes={0: "ignore", **{i + 1: i for i in range(7)}},
        optical_dir="optical", sar_dir="sar", label_dir="label",
        extensions=(".png", ".tif", ".tiff"), optical_bands=(1, 2, 3),
        sar_bands=(1,), optical_channels=3, sar_channels=1, val_fraction=0.1),
    "manifest": DatasetSpec(name="manifest"),
}


class Dataset:
    """A dataset on disk: its scenes, splits, label mapping and scene opener.

    Create it with `get_dataset`.
    """

    def __init__(self, spec, root, *, manifest=None, split_file=None,
                 val_fraction=None, class_names=None, label_map=None,
                 optical_bands=None, sar_bands=None, optical_nodata=None,
                 sar_nodata=None, align=None):
        self.spec = spec
        self.name = spec.name
        self.root = os.fspath(root)
        self.class_names = tuple(class_names or spec.class_names)
        if not self.class_names:
            raise ConfigError(
                f"dataset {spec.name}: class_names must be given (one name per "
                f"class id 0..K-1)")
        codes = label_map if label_map is not None else spec.label_codes
        if not codes:
            codes = {**{i: i for i in range(len(self.class_names))}, 255: "ignore"}
        if isinstance(codes, str):
            self.label_map = LabelMap.parse(codes, len(self.class_names))
        else:
            self.label_map = LabelMap(codes, len(self.class_names))
        self.manifest = manifest
        if spec.optical_dir is None and manifest is None:
            self.manifest = (self.root if self.root.lower().endswith(".csv")
                             else os.path.join(self.root, "manifest.csv"))
        self.split_file = split_file
        self.val_fraction = spec.val_fraction if val_fraction is None else val_fraction
        self._val_fraction_given = val_fraction is not None  # else the adapter's default
        self.optical_bands = optical_bands or spec.optical_bands
        self.sar_bands = sar_bands or spec.sar_bands
        self.optical_nodata = optical_nodata
        self.sar_nodata = sar_nodata
        self.optical_channels = (
            len(self.optical_bands) if self.optical_bands else spec.optical_channels)
        self.sar_channels = len(self.sar_bands) if self.sar_bands else spec.sar_channels
        if align not in (None, *ALIGN_MODES):
            raise ConfigError(
                f"dataset {spec.name}: option align expected one of "
                f"{', '.join(ALIGN_MODES)}, found {align!r}")
        self.align = align

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def source(self):
        """Where the dataset is described: the manifest CSV, else the root."""
        return self.manifest or self.root

    @property
    def modalities(self):
        """The modalities the scenes have: both, or the manifest's columns.

        Reads the manifest; () when it lists no scenes.
        """
        if self.manifest is None:
            return MODALITIES
        records, _ = self.discover()
        return tuple(m for m in MODALITIES if records and getattr(records[0], m))

    def require_modalities(self, needed, model):
        """Raises ConfigError unless the scenes have every modality in `needed`.

        Args:
            needed: modalities the model takes.
            model: the model, in words, for the message (e.g. "model unet").
        """
        check_modalities(f"dataset {self.name} ({self.source})", self.modalities,
                         needed, model)

    def discover(self):
        """Finds the scenes on disk without splitting them.

        Returns:
            (records with split None or the manifest's split, problems: a list
            of messages about partner files that are missing).
        """
        if self.manifest is not None:
            entries = read_manifest(self.manifest)
            records = [SceneRecord(**entry) for entry in entries]
            problems = [
                f"scene {r.name}: {role} file {path} is missing"
                for r in records
                for role, path in (("optical", r.optical), ("SAR", r.sar),
                                   ("label", r.label))
                if path is not None and not os.path.exists(path)]
            return records, problems
        optical = self._relative_files(self.spec.optical_dir)
        sar = self._relative_files(self.spec.sar_dir)
        labels = self._relative_files(self.spec.label_dir)
        records, problems = [], []
        for relative in sorted(optical):
            name = os.path.splitext(relative)[0].replace(os.sep, "/")
            if relative not in sar:
                problems.append(
                    f"scene {name}: SAR partner {self._path(self.spec.sar_dir, relative)} "
                    f"is missing")
                continue
            label = (self._path(self.spec.label_dir, relative)
                     if relative in labels else None)
            records.append(SceneRecord(
                name, self._path(self.spec.optical_dir, relative),
                self._path(self.spec.sar_dir, relative), label, None))
        for relative in sorted(sar - optical):
            problems.append(
                f"SAR file {self._path(self.spec.sar_dir, relative)} has no optical "
                f"partner {self._path(self.spec.optical_dir, relative)}")
        return records, problems

    def _path(self, directory, relative):
        return os.path.join(self.root, directory, relative)

    def _relative_files(self, directory):
        top = os.path.join(self.root, directory)
        found = set()
        for folder, _, names in os.walk(top):
            for name in names:
                if name.lower().endswith(self.spec.extensions):
                    found.add(os.path.relpath(os.path.join(folder, name), top))
        return found

    def scenes(self, split=None):
        """The dataset's scenes with their splits.

        Splits come from the split file when one is given (scenes it does not
        list are left out), else from the manifest's split column, else from the
        dataset's official split where names match, else "train". Then, when
        `val_fraction` > 0 and no scene is in "val", a spatially separated block
        of whole training scenes becomes "val". That needs two or more training
        scenes: with one, a `val_fraction` given by the user is an error, the
        adapter's default is skipped.

        Args:
            split: keep only this split (None: all).

        Raises:
            DataError: no scenes were found, a partner file is missing, or a
                given `val_fraction` > 0 meets one training scene and no "val" scene.
        """
        records, problems = self.discover()
        if problems:
            raise DataError(f"dataset {self.name} at {self.root}: " + "; ".join(problems))
        if not records:
            where = self.manifest or os.path.join(self.root, self.spec.optical_dir)
            raise DataError(f"dataset {self.name}: no scenes found in {where}")
        records = self._assign_splits(records)
        if split is not None:
            records = [r for r in records if r.split == split]
        return records

    def _assign_splits(self, records):
        if self.split_file is not None:
            listed = splits.read_split_file(self.split_file)
            records = [r._replace(split=listed[r.name]) for r in records
                       if r.name in listed]
            if not records:
                raise DataError(
                    f"split file {self.split_file}: names none of the scenes of "
                    f"dataset {self.name} at {self.root}")
        else:
            records = [r._replace(split=r.split or self.spec.official_split.get(
                r.name, "train")) for r in records]
        if self.val_fraction > 0 and not any(r.split == "val" for r in records):
            train = [r for r in records if r.split == "train"]
            if len(train) == 1 and self._val_fraction_given:
                raise DataError(self._one_training_scene(train[0]))
            held_out = splits.spatial_holdout(
                {r.name: self._center(r) for r in train}, self.val_fraction)
            records = [r._replace(split="val") if r.name in held_out else r
                       for r in records]
        return records

    def _one_training_scene(self, record):
        """Why `val_fraction` cannot carve a validation set, and what is needed."""
        return (
            f"dataset {self.name} ({self.source}): val_fraction {self.val_fraction:g} "
            f"holds out whole training scenes as 'val', but there is only one training "
            f"scene ({record.name}) and no 'val' scene; give at least 2 training scenes "
            f"(e.g. cut {record.path} and its partners into two scenes and mark one 'val' "
            f"in the split column or a split file), or set val_fraction 0 (then there is "
            f"no validation set, which training needs)")

    @staticmethod
    def _center(record):
        dataset = raster.open_raster(
            record.path, "optical" if record.optical is not None else "SAR")
        gt = dataset.GetGeoTransform()
        col, row = dataset.RasterXSize / 2, dataset.RasterYSize / 2
        return gt[0] + col * gt[1] + row * gt[2], gt[3] + col * gt[4] + row * gt[5]

    def map_labels(self, raw, source="labels", nodata=None):
        """Maps raw label codes to uint8 class ids, 255 = ignore.

        Pixels equal to `nodata` (the label file's declared nodata,
        `Scene.label_nodata`) are ignored even when the mapping does not list it.

        Raises:
            DataError: an unknown code; the message names `source` and the code.
        """
        return self.label_map(raw, source, nodata)

    def open(self, record):
        """Opens a scene record as a validated `Scene`."""
        return open_scene(
            record.optical, record.sar, record.label,
            optical_bands=self.optical_bands, sar_bands=self.sar_bands,
            optical_nodata=self.optical_nodata, sar_nodata=self.sar_nodata,
            expect_optical_bands=self.optical_channels,
            expect_sar_bands=self.sar_channels, align=self.align)


def check_modalities(source, available, needed, model):
    """Raises ConfigError when `model` needs modalities that `source` lacks.

    Args:
        source: the data, in words (names the dataset or file).
        available: modalities the data has.
        needed: modalities the model takes.
        model: the model, in words.
    """
    missing = [m for m in needed if m not in available]
    if missing:
        raise ConfigError(
            f"{source} has {' and '.join(available) or 'no'} input(s); {model} needs "
            f"{' and '.join(needed)}, so {' and '.join(missing)} is missing; train a "
            f"UNet on what the data has (model.name=unet, model.modalities="
            f"[{', '.join(available)}]) or add the missing column to the manifest")


def get_dataset(name, root, **options):
    """Returns the `Dataset` of a registered adapter.

    Args:
        name: "whu_opt_sar", "yeseg_opt_sar" or "manifest".
        root: the dataset's root directory (for "manifest": the directory
            holding manifest.csv, or the CSV itself).
        **options: manifest (CSV path), split_file, val_fraction, class_names,
            label_map (dict or "code:id,..." text; "ignore" for 255),
            optical_bands, sar_bands (1-based), optical_nodata, sar_nodata,
            align ("sar_to_optical": SAR and labels on another grid are read
            through a lazy warp onto the optical grid).

    Raises:
        ConfigError: unknown dataset name or option.
    """
    if name not in DATASETS:
        raise ConfigError(
            f"dataset: unknown name {name!r}; expected one of {', '.join(DATASETS)}")
    accepted = set(inspect.signature(Dataset).parameters) - {"spec", "root"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ConfigError(
            f"dataset {name}: unknown option(s) {', '.join(unknown)}; expected "
            f"{', '.join(sorted(accepted))}")
    return Dataset(DATASETS[name], root, **options)
