#!/usr/bin/env bash
# Set up a Linux (Debian/Ubuntu) batch host: LibreOffice headless, Python venv, levxl.
set -euo pipefail
prefix="${LEVXL_PREFIX:-/opt/levxl}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui python3-uno poppler-utils python3-venv
python3 -m venv "$prefix/venv"
"$prefix/venv/bin/pip" install -q --upgrade pip
"$prefix/venv/bin/pip" install -q "$repo"
ln -sf "$prefix/venv/bin/levxl" /usr/local/bin/levxl
levxl --version
