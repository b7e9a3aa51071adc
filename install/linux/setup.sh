#!/usr/bin/env bash
# Set up a Linux (Debian 12) batch host: LibreOffice 25.2 headless from bookworm-backports with the levxl Calc
# add-in, a Python venv in /opt/levxl, the levxl command.
set -euo pipefail
prefix="${LEVXL_PREFIX:-/opt/levxl}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export DEBIAN_FRONTEND=noninteractive
bash "$repo/install/linux/libreoffice.sh"
apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
python3 -m venv "$prefix/venv"
"$prefix/venv/bin/pip" install -q --upgrade pip
"$prefix/venv/bin/pip" install -q "$repo"
ln -sf "$prefix/venv/bin/levxl" /usr/local/bin/levxl
# The add-in, registered for the user who runs the nightly job (run this script's last line as that user too):
LEVXL_ADDIN_HOME="${LEVXL_ADDIN_HOME:-$prefix/addin}" levxl recalc --register-addin
levxl --version
