# Shared by scripts/run and scripts/test: a virtual environment in .venv with Relais installed.
# Reinstalls only when pyproject.toml or constraints.txt changes; constraints.txt pins known-good versions.
set -euo pipefail
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null; then
      PY="$candidate"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "Relais needs Python 3.11 or newer (python3.11+ not found)." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
EXTRA="${RELAIS_INSTALL_EXTRA:-}"
STAMP=".venv/.relais-installed${EXTRA:+-$EXTRA}"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ constraints.txt -nt "$STAMP" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ -n "$EXTRA" ]; then
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$EXTRA]"
  else
    .venv/bin/python -m pip install --quiet -c constraints.txt -e .
  fi
  touch "$STAMP"
fi
