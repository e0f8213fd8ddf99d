"""Forward and backward time of one dilated 3x3 convolution on CPU, by dilation rate.

MCANet's dilated last ResNet stage and ASPP (rates 6, 12, 18) dominate its
training step on CPU: TensorFlow computes dilated convolutions there through
space-to-batch. This times one ``Conv2D`` (ASPP's 2048 -> 256 on the 4x4 map a
64² patch gives at output stride 16, batch 8) in a ``tf.function``, forward
alone and forward with the input and weight gradients, best of ``--repeats``.

    PYTHONPATH=. .venv/bin/python bench/dilated_conv.py
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402


def best_seconds(function, x, repeats):
    function(x)  # traces
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(x)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1,6,12,18")
    parser.add_argument("--shape", default="8,4,4,2048", help="batch,height,width,channels")
    parser.add_argument("--filters", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    x = tf.random.normal([int(s) for s in args.shape.split(",")])
    print(f"3x3 Conv2D {x.shape[-1]}->{args.filters} on {tuple(x.shape)}; load average "
          f"{os.getloadavg()[0]:.1f}")
    print("| dilation | forward (s) | forward + backward (s) |\n|---:|---:|---:|")
    for rate in (int(r) for r in args.rates.split(",")):
        layer = keras.layers.Conv2D(args.filters, 3, padding="same", dilation_rate=rate)
        layer.build(x.shape)

        @tf.function
        def step(x, layer=layer):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(layer(x) ** 2)
            return tape.gradient(loss, [x, *layer.trainable_variables])

        forward = tf.function(layer.__call__)
        print(f"| {rate} | {best_seconds(forward, x, args.repeats):.3f} | "
              f"{best_seconds(step, x, args.repeats):.3f} |", flush=True)


if __name__ == "__main__":
    main()
