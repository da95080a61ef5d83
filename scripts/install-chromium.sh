#!/usr/bin/env bash
# Install Debian's Chromium (browser tests, PDF board papers) and poppler-utils (the tests
# render a PDF page to check it), unless they are already there.
# Playwright drives this browser through executable_path: browser downloads are impossible here.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
else
    sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core poppler-utils \
    >/dev/null
command -v chromium
