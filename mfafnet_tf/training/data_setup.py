"""Preparing and loading a recipe's data: scenes, tiles, statistics, pipelines."""

import dataclasses
import json
import os

import tensorflow as tf

from mfafnet_tf import data as mdata
from mfafnet_tf.data.datasets import MODALITIES, check_modalities
from mfafnet_tf.errors import ConfigError, DataError
from mfafnet_tf.training.class_weights import class_weights

PROTOCOLS = ("ignore_background", "with_background")
STATS_JSON = "stats.json"


@dataclasses.dataclass
class DatasetInfo:
    """What the model and the trainer need to know about the tiled data.

    ``input_bands``: the raster bands of each modality in the tiles (from
    ``index.json``; None for tiles written before it recorded them).
    """

    tile_dir: str
    patch: int
    num_classes: int
    class_names: list
    optical_channels: int
    sar_channels: int
    normalization: dict
    split_patches: dict
    class_pixels: list
    input_bands: dict = None

    @property
    def modalities(self):
        """The modalities the tiles hold (a 0-channel one is absent)."""
        return tuple(m for m in MODALITIES if getattr(self, f"{m}_channels"))


def open_dataset(config, protocol=None):
    """Returns the recipe's ``mfafnet_tf.data`` dataset adapter.

    Under the ``with_background`` protocol the codes that the adapter ignores
    by default (except 255) become class 0, ``background``, and the other
    classes move up by one.

    Args:
        config: ``ExperimentConfig``.
        protocol: Overrides ``config.task.protocol``.
    """
    data = config.data
    protocol = protocol or config.task.protocol
    if protocol not in PROTOCOLS:
        raise ConfigError(
            f"task.protocol: expected one of {', '.join(PROTOCOLS)}, found {protocol!r}"
        )
    options = dict(data.options)
    if data.split_file:
        options.setdefault("split_file", data.split_file)
    if protocol == "with_background" and "label_map" not in options:
        spec = mdata.DATASETS.get(data.dataset)
        if spec is None or not spec.label_codes:
            raise ConfigError(
                f"task.protocol with_background: dataset {data.dataset!r} has no "
                f"built-in label codes; give data.options.label_map and class_names"
            )
        options["label_map"] = {
            code: 0 if target == "ignore" else target + 1
            for code, target in spec.label_codes.items()
        }
        options.setdefault("class_names", ("background",) + tuple(spec.class_names))
    return mdata.get_dataset(data.dataset, data.root, **options)


def stats_path(config):
    """Path of the normalization statistics JSON of the recipe."""
    return config.data.stats or os.path.join(config.data.tile_dir, STATS_JSON)


def prepare_data(config, may_write=True):
    """Makes sure the recipe's tiled data and statistics exist.

    Missing pieces are made in order: synthetic scenes (``data.synthesize``,
    when ``data.root`` has none), the tiles, the normalization statistics of
    the training split.

    Raises:
        ConfigError: the model takes a modality the data lacks (e.g. MFAFNet
            on a SAR-only manifest); checked before tiling.

    Args:
        config: ``ExperimentConfig``.
        may_write: ``False`` (non-chief workers) only checks that they exist.

    Returns:
        The ``DatasetInfo``.
    """
    data = config.data
    index_path = os.path.join(data.tile_dir, "index.json")
    missing = not (os.path.exists(index_path) and os.path.exists(stats_path(config)))
    if missing and not may_write:
        raise DataError(
            f"{data.tile_dir}: tiles or statistics missing; prepare them on the "
            f"chief (or with `mfafnet data`) before starting other workers"
        )
    if missing:
        if data.synthesize and not os.path.isdir(os.path.join(data.root, "optical")):
            print(f"synthesizing {data.synthetic_scenes} scenes into {data.root}")
            mdata.synthesize(
                data.root,
                scenes=data.synthetic_scenes,
                size=(data.synthetic_size, data.synthetic_size),
                seed=data.synthetic_seed,
                profile=data.synthetic_profile,
                cloud_nodata=data.synthetic_cloud_nodata,
            )
        dataset = open_dataset(config)
        dataset.require_modalities(config.model.input_modalities, config.model.describe())
        if not os.path.exists(index_path):
            print(f"tiling {dataset.name} at {data.root} into {data.tile_dir}")
            index = mdata.tile_dataset(dataset, data.tile_dir, data.patch, data.stride)
            for split, entry in sorted(index["splits"].items()):
                for name in entry["empty_scenes"]:
                    print(f"warning: scene {name} ({split}) lost all its patches "
                          f"(see {data.tile_dir}/index.json, scene_patches)")
        if not os.path.exists(stats_path(config)):
            stats = mdata.compute_stats(
                dataset,
                "train",
                sar_transform=data.sar_transform,
                optical_transform=data.optical_transform,
            )
            mdata.write_stats(stats_path(config), stats)
    info = load_dataset_info(config)
    check_modalities(f"tiled dataset {index_path}", info.modalities,
                     config.model.input_modalities, config.model.describe())
    if info.patch != data.patch:
        raise ConfigError(
            f"data.patch: {data.tile_dir} holds {info.patch}-pixel patches, the "
            f"recipe asks for {data.patch}; choose another data.tile_dir or delete it"
        )
    return info


def load_dataset_info(config):
    """Reads ``index.json`` and the statistics of the recipe's tiled data."""
    index = mdata.read_index(config.data.tile_dir)
    path = stats_path(config)
    try:
        with open(path, encoding="utf-8") as stream:
            normalization = json.load(stream)
    except (OSError, ValueError) as error:
        raise DataError(f"normalization statistics {path}: cannot be read ({error})") from None
    splits = index.get("splits", {})
    return DatasetInfo(
        tile_dir=config.data.tile_dir,
        patch=int(index["patch"]),
        num_classes=int(index["num_classes"]),
        class_names=list(index["class_names"]),
        optical_channels=int(index["optical_channels"]),
        sar_channels=int(index["sar_channels"]),
        normalization=normalization,
        split_patches={name: int(split["patches"]) for name, split in splits.items()},
        class_pixels=list(splits.get("train", {}).get("class_pixels", [])),
        input_bands={m: list(index[f"{m}_bands"]) for m in MODALITIES
                     if index.get(f"{m}_bands")} or None,
    )


def build_datasets(config, info, num_replicas=1, multi_worker=False, first_step=0):
    """Returns ``(train, val, steps_per_epoch)`` tf.data pipelines.

    The training pipeline repeats, shuffles, augments (``data.augment``) and
    carries class weights in its sample weights; ``steps_per_epoch`` defaults
    to one pass over the training patches. A fusion model's training patches
    get ``data.modality_dropout``, ``data.cloud_dropout`` and
    ``data.sar_gap_dropout``. Inputs the model does not take are dropped.
    Batches are global (Keras splits them across replicas) and have a fixed
    size when there are several replicas.
    """
    train = config.train
    steps = steps_per_epoch(config, info)
    if info.split_patches.get("val", 0) < 1:
        raise DataError(
            f"{info.tile_dir}: split 'val' has {info.split_patches.get('val', 0)} "
            f"patches, too few for train.batch_size {train.batch_size}; give the dataset "
            f"a validation scene, or more training scenes for data.options.val_fraction "
            f"to carve one from (it takes whole scenes, never the only one)"
        )
    seed = config.runtime.seed
    weights = class_weights(config, info)
    keep = config.model.input_modalities
    fusion = len(keep) > 1
    training = mdata.make_dataset(
        info.tile_dir, "train", train.batch_size, training=True, repeat=True,
        augment=config.data.augment, class_weights=weights, drop_remainder=True, seed=seed,
        modality_dropout=config.data.modality_dropout if fusion else 0.0,
        cloud_dropout=config.data.cloud_dropout if fusion else 0.0,
        sar_gap_dropout=config.data.sar_gap_dropout if fusion else 0.0,
        dropout_warmup=round(config.data.dropout_warmup * train.epochs * steps),
        first_step=first_step,
    )
    validation_batch = train.batch_size
    if num_replicas > 1:
        validation_batch = min(train.batch_size, info.split_patches["val"] // num_replicas * num_replicas)
        if validation_batch < num_replicas:
            raise DataError(
                f"{info.tile_dir}: split 'val' has {info.split_patches['val']} patches, "
                f"fewer than the {num_replicas} replicas"
            )
    validation = mdata.make_dataset(
        info.tile_dir, "val", validation_batch, training=False, drop_remainder=num_replicas > 1,
    )
    training, validation = (
        _keep_inputs(dataset, keep, multi_worker) for dataset in (training, validation)
    )
    return training, validation, steps


def steps_per_epoch(config, info):
    """Training steps per epoch: ``train.steps_per_epoch``, else one pass over the patches.

    Raises:
        DataError: The training split has fewer patches than one batch.
    """
    batch_size, patches = config.train.batch_size, info.split_patches.get("train", 0)
    if patches < batch_size:
        raise DataError(
            f"{info.tile_dir}: split 'train' has {patches} patches, "
            f"too few for train.batch_size {batch_size}"
        )
    return config.train.steps_per_epoch or max(1, patches // batch_size)


def _keep_inputs(dataset, keep, multi_worker):
    dataset = dataset.map(
        lambda inputs, labels, weights: (
            {name: inputs[name] for name in keep}, labels, weights
        )
    )
    if multi_worker:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
        dataset = dataset.with_options(options)
    return dataset
