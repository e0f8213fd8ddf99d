"""Catalog-scale prediction on Apache Beam, with COG, STAC and VRT outputs.

The command is ``mfafnet predict-batch`` (:mod:`mfafnet_tf.cli.predict_batch`);
the pipeline is :func:`mfafnet_tf.batch.beam_pipeline.run_batch`.
"""
