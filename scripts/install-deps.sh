#!/bin/sh
# Installs every Debian 12 package receptiond needs to build, run and test.
# The one list of dependencies: both README commands and CI go through this script.
# Packages already present are left alone, so a second run costs only a dpkg query.
set -eu

PACKAGES="
  build-essential cmake pkg-config clang-format
  libglib2.0-dev glib-networking
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly
  gstreamer1.0-nice libnice-dev gstreamer1.0-tools gstreamer1.0-alsa gstreamer1.0-x
  libsoup-3.0-dev libjson-glib-dev libsqlite3-dev sqlite3 libssl-dev openssl
  systemd
  iproute2 util-linux procps
  coturn
  ffmpeg
  chromium
"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
