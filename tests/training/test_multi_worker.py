"""MultiWorkerMirroredStrategy with two local worker processes on loopback ports."""

import csv
import json
import os
import socket
import subprocess
import sys

import pytest


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.slow
def test_two_workers_train_together(tiny_recipe, tmp_path):
    run_dir = str(tmp_path / "run")
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = []
    for index in range(2):
        env = dict(os.environ, CUDA_VISIBLE_DEVICES="-1", TF_CONFIG=json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}))
        command = [sys.executable, "-m", "mfafnet_tf.cli.main", "train",
                   "--recipe", tiny_recipe, "--run-dir", run_dir,
                   "--override", "train.epochs=2", "--override", "runtime.verbose=2"]
        processes.append(subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=300)[0])
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-20000:]
        assert "MultiWorkerMirroredStrategy with 2 replica(s)" in output
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["epoch"] for row in rows] == ["0", "1"]  # written by the chief only
    assert os.path.exists(os.path.join(run_dir, "best.keras"))
    # Each worker keeps its own backup: the chief in the run directory,
    # worker 1 in workers/worker-1.
    worker = os.path.join(run_dir, "workers", "worker-1")
    for out_dir in (run_dir, worker):
        with open(os.path.join(out_dir, "backup", "epoch-000002.json")) as stream:
            assert json.load(stream)["epoch"] == 2
