"""SavedModel export for TF Serving: raw optical/SAR in, class ids and probabilities out."""

import os
import shutil
import tempfile

import keras
import tensorflow as tf

from mfafnet_tf.errors import DataError
from mfafnet_tf.export.batch_norm_folding import fold_batch_norms
from mfafnet_tf.inference.model_runner import (
    METADATA_SIGNATURE,
    SERVING_SIGNATURE,
    ModelRunner,
    input_specs,
    model_probabilities,
    resolve_class_names,
)


def export_saved_model(model, out_dir, *, class_names=None):
    """Exports a Keras segmentation model as a SavedModel for TF Serving.

    The ``serving_default`` signature takes ``optical`` and ``sar`` float32
    [B,H,W,C] tensors of raw sensor values (only the one a single-modality model
    takes), any H and W (normalization is inside the model), and returns
    ``class_ids`` int32 [B,H,W] and ``probabilities`` float32 [B,H,W,K]. A ``metadata`` signature returns the ``class_names``.
    BatchNormalization is folded into the convolution before it
    (``fold_batch_norms``): the exported graph runs no normalization ops, and
    its outputs equal the model's in inference mode to float tolerance.
    The directory appears only once complete (written to a temporary sibling,
    then renamed).

    Args:
        model: Keras model with dict inputs ``{"optical", "sar"}`` emitting logits.
        out_dir: Directory to create (for TF Serving, a numbered version
            directory such as ``models/mfafnet/1``); must not exist yet, its
            parents are created.
        class_names: Names of the K classes; default ``model.class_names``, else
            ``class_0``, ``class_1``, ...

    Returns:
        The absolute path of the SavedModel directory.

    Raises:
        DataError: ``out_dir`` exists already.
        ConfigError: ``class_names`` does not have K names.
    """
    out_dir = os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    if os.path.exists(out_dir):
        raise DataError(f"{out_dir}: expected a new directory for the SavedModel, found an existing path")
    runner = ModelRunner.wrap(model)
    names = resolve_class_names(class_names, runner)
    model = fold_batch_norms(model)

    def serve(inputs):
        probabilities = model_probabilities(model, inputs)
        class_ids = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"class_ids": class_ids, "probabilities": probabilities}

    def metadata():
        return {"class_names": tf.constant(names)}

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(SERVING_SIGNATURE, serve, input_signature=[input_specs(runner.channels)])
    archive.add_endpoint(METADATA_SIGNATURE, metadata, input_signature=[])
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}.tmp-", dir=parent)
    try:
        archive.write_out(staging, verbose=False)
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the model from a serving user
        os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir
