#!/usr/bin/env bash
# Prepare a virtual environment for mfafnet_tf: system GDAL, matching Python
# bindings (built without isolation so osgeo.gdal_array exists), then the package.
# Usage: tools/setup_env.sh [VENV_DIR]   (default: .venv). Re-running is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
PYTHON=${PYTHON:-python3}

say() { printf '[setup] %s\n' "$*"; }

if ! command -v gdal-config >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing the system GDAL library (apt-get install libgdal-dev)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libgdal-dev >/dev/null
  else
    cat >&2 <<'MSG'
[setup] error: GDAL was not found (no gdal-config on PATH) and cannot be installed
automatically here (needs root and apt-get). Install it, then run this again:
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install libgdal-dev
  conda:          conda install -c conda-forge gdal   (then run inside that env)
MSG
    exit 1
  fi
fi
GDAL_VERSION=$(gdal-config --version)

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_install() { "$PY" -m pip install -q --disable-pip-version-check "$@"; }

if ! "$PY" -c 'import numpy, setuptools, wheel' >/dev/null 2>&1; then
  say "installing numpy, setuptools, wheel"
  pip_install --upgrade pip setuptools wheel numpy
fi

have_gdal() {
  "$PY" - "$GDAL_VERSION" <<'CHECK' >/dev/null 2>&1
import sys
from osgeo import gdal, gdal_array  # noqa: F401  gdal_array is missing when built without numpy
assert gdal.__version__.split(".")[:3] == sys.argv[1].split(".")[:3]
CHECK
}
if ! have_gdal; then
  say "building GDAL Python bindings $GDAL_VERSION against the system library"
  pip_install --no-build-isolation --no-cache-dir --force-reinstall --no-deps "gdal==$GDAL_VERSION"
  if ! have_gdal; then
    echo "[setup] error: GDAL bindings $GDAL_VERSION installed but osgeo.gdal_array is missing" >&2
    exit 1
  fi
fi

STAMP="$VENV/.mfafnet_installed"
if [ ! -f "$STAMP" ] || [ setup.cfg -nt "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  say "installing mfafnet_tf[dev] (editable)"
  pip_install -e ".[dev]"
  touch "$STAMP"
fi
say "environment ready: $VENV (GDAL $GDAL_VERSION)"
