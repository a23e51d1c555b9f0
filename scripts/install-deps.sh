#!/bin/sh
# Installs every Debian 12 package receptiond needs to build, run and test.
# The one list of dependencies: both README commands and CI go through this script.
# Packages already present are left alone, so a second run costs only a dpkg query.
set -eu

PACKAGES="
  build-essential cmake pkg-config clang-format
  clang libclang-rt-14-dev
  libglib2.0-dev glib-networking
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly
  gstreamer1.0-nice libnice-dev gstreamer1.0-tools gstreamer1.0-alsa gstreamer1.0-x
  libsoup-3.0-dev libjson-glib-dev libsqlite3-dev sqlite3 libssl-dev openssl
  libxlsxwriter-dev python3-openpyxl
  libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils
  libfuse3-dev fuse3
  systemd
  iproute2 util-linux procps
  coturn
  ffmpeg
  chromium firefox-esr zbar-tools
  janus
  espeak-ng
  python3-botocore
  faketime
"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done

# Node.js and npm run simple-whip-server (below). A machine may already have them from elsewhere
# (Debian's npm then conflicts), so they are only asked of Debian when the commands are missing.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
updated=""
if [ -n "$missing" ]; then
  echo "install-deps: installing:$missing" >&2
  $SUDO apt-get update -qq
  updated=1
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# The Janus interop tests' WHIP front end: meetecho's simple-whip-server. Its Debian package
# conflicts with other Node.js builds, so it is unpacked (not installed) into a fixed directory,
# with its Node dependencies installed there by npm and a config.js that takes the Janus address
# and the port from the environment (tests/rd-test-janus.c starts it). A stamp file marks a
# complete install: an interrupted one is redone from scratch, a complete one costs nothing.
SWS_DIR=/opt/receptiond-test/simple-whip-server
SWS_STAMP="$SWS_DIR/.installed-0.0~git20230201-1-r2" # -rN: this script's layout of it
if [ ! -f "$SWS_STAMP" ]; then
  echo "install-deps: unpacking simple-whip-server into $SWS_DIR" >&2
  tmp=$(mktemp -d)
  chmod 777 "$tmp" # apt-get download writes as the _apt user when it can
  if ! (cd "$tmp" && apt-get download -qq simple-whip-server); then
    [ -n "$updated" ] || $SUDO apt-get update -qq
    (cd "$tmp" && apt-get download -qq simple-whip-server)
  fi
  dpkg -x "$tmp"/simple-whip-server_*.deb "$tmp/x"
  $SUDO rm -rf "$SWS_DIR"
  $SUDO mkdir -p "$SWS_DIR"
  $SUDO cp -r "$tmp/x/usr/share/simple-whip-server/src" "$SWS_DIR/src"
  rm -rf "$tmp"
  # The package's config.js is a link to /etc/simple-whip-server; ours reads the environment.
  $SUDO rm -f "$SWS_DIR/src/config.js"
  $SUDO tee "$SWS_DIR/src/config.js" >/dev/null <<'JS'
// Written by receptiond's scripts/install-deps.sh: the tests choose Janus, the port and the
// ETag checks.
module.exports = {
	janus: { address: process.env.RD_SWS_JANUS || 'ws://127.0.0.1:8188' },
	port: parseInt(process.env.RD_SWS_PORT || '7080', 10),
	rest: '/whip',
	allowTrickle: true,
	// as packaged (false) unless a test asks for strict If-Match checks
	strictETags: process.env.RD_SWS_STRICT_ETAGS === '1',
	iceServers: []
};
JS
  # Major versions pinned: Express 4, which the server was written for; colors 1.4.0, the last
  # release before the package's sabotaged ones.
  (cd "$SWS_DIR" && $SUDO npm install --no-audit --no-fund --no-save --loglevel=error \
    express@4 body-parser@1 cors@2 debug@4 colors@1.4.0 async@3 websocket@1)
  $SUDO touch "$SWS_STAMP"
fi

# The archive tests' S3 server: s3rver (npm), a real S3 implementation nobody here wrote,
# installed into a fixed directory (tests/rd-test-s3.c starts it inside the test's network
# namespace). It does not check signatures: python3-botocore (above) computes the expected
# SigV4 signature of the requests the client sends. Version pinned; stamp as above.
S3RVER_VERSION=3.7.1
S3RVER_DIR=/opt/receptiond-test/s3rver
S3RVER_STAMP="$S3RVER_DIR/.installed-$S3RVER_VERSION-r1"
if [ ! -f "$S3RVER_STAMP" ]; then
  echo "install-deps: installing s3rver $S3RVER_VERSION into $S3RVER_DIR" >&2
  $SUDO rm -rf "$S3RVER_DIR"
  $SUDO mkdir -p "$S3RVER_DIR"
  (cd "$S3RVER_DIR" && $SUDO npm install --no-audit --no-fund --no-save --loglevel=error \
    "s3rver@$S3RVER_VERSION")
  $SUDO touch "$S3RVER_STAMP"
fi
