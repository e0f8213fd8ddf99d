# The README's two commands: `make demo` (main job) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_OUT ?= runs/demo
PYTEST_ARGS ?=

.PHONY: setup test demo bench clean

setup:
	@bash tools/setup_env.sh $(VENV)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

demo: setup
	$(VENV)/bin/mfafnet demo --out $(DEMO_OUT)

bench: setup
	$(PY) bench/model_throughput.py
	$(PY) bench/data_pipeline.py
	$(PY) bench/predict_scene.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
