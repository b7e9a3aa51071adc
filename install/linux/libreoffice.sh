#!/usr/bin/env bash
# Install LibreOffice 25.2 headless with its Python UNO bridge and the add-in build tools (unoidl-write) from
# Debian 12 bookworm-backports (bookworm itself has 7.4, which does not resolve the add-in's Excel names), plus
# poppler-utils for rendering. Adds the backports suite when no apt source names it. Idempotent.
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

have_25() {
  command -v soffice >/dev/null 2>&1 && soffice --version 2>/dev/null | grep -Eq 'LibreOffice (2[5-9]|[3-9][0-9])\.'
}
if have_25 && [ -e /usr/lib/python3/dist-packages/uno.py ] && [ -x /usr/lib/libreoffice/sdk/bin/unoidl-write ] \
   && command -v pdftoppm >/dev/null 2>&1; then
  exit 0
fi
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports \
  libreoffice-calc-nogui python3-uno libreoffice-dev poppler-utils >/dev/null
soffice --version
