"""mfafnet_tf: MFAFNet optical + SAR land-cover segmentation for TensorFlow/Keras.

Importing the package registers every layer, loss, metric and model with Keras,
so ``keras.saving.load_model("model.keras")`` needs no ``custom_objects``.
"""

__version__ = "0.1.0"

from mfafnet_tf.inference.predict_scene import predict_scene  # noqa: E402
from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet  # noqa: E402
from mfafnet_tf.models.unet.unet import UNet  # noqa: E402

__all__ = ["__version__", "MFAFNet", "UNet", "predict_scene"]
