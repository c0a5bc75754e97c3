# Shared by scripts/start and scripts/test: a .venv with the locked dependencies.
venv_install() {
  local lock="$1" py="${PYTHON:-}"
  if [ -z "$py" ]; then
    py=$(command -v python3.11 || command -v python3)
  fi
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$lock"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
}
