"""Segmentation models (MFAFNet, the UNet baselines, the fusion peers CMX and MCANet); importing this registers every layer, loss and metric."""

import mfafnet_tf.layers  # noqa: F401  (registers the layers for load_model)
import mfafnet_tf.losses  # noqa: F401
import mfafnet_tf.metrics  # noqa: F401
from mfafnet_tf.models.cmx.cmx import CMX
from mfafnet_tf.models.mcanet.mcanet import MCANet
from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet
from mfafnet_tf.models.mfafnet.mfafnet_backbone import MFAFNetBackbone
from mfafnet_tf.models.unet.unet import UNet

__all__ = ["CMX", "MCANet", "MFAFNet", "MFAFNetBackbone", "UNet"]
