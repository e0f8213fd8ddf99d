"""The all-weather head of the two-stream segmenters (docs/model.md)."""

from mfafnet_tf.models.all_weather.all_weather_head import AllWeatherHead
from mfafnet_tf.models.all_weather.fallback_decoder import FallbackDecoder

__all__ = ["AllWeatherHead", "FallbackDecoder"]
