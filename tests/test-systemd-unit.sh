#!/bin/bash
# test-systemd-unit.sh UNIT BINARY [SYSUSERS TMPFILES]
#
# Checks the configured receptiond.service with `systemd-analyze verify`. verify insists that
# ExecStart= names an executable file, and the unit names the *installed* binary, which a build
# machine need not have; so the check runs on a copy whose ExecStart= points to BINARY (the
# build tree's receptiond) and is otherwise byte for byte the unit that gets installed.
#
# Fails (never skips) when systemd-analyze or BINARY is missing, when verify exits non-zero or
# prints anything about receptiond, or when the unit lacks what receptiond relies on.
# With SYSUSERS and TMPFILES it also applies those to a scratch root and checks the result.
set -u

unit=${1:?usage: test-systemd-unit.sh UNIT BINARY [SYSUSERS TMPFILES]}
binary=${2:?usage: test-systemd-unit.sh UNIT BINARY [SYSUSERS TMPFILES]}
sysusers=${3:-}
tmpfiles=${4:-}
failures=0

fail () {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

if [ ! -s "$unit" ]; then
  echo "FAIL: $unit: missing or empty (is the build configured?)" >&2
  exit 1
fi
if ! command -v systemd-analyze >/dev/null; then
  echo "FAIL: systemd-analyze not found (Debian package: systemd)" >&2
  exit 1
fi
if [ ! -x "$binary" ]; then
  echo "FAIL: $binary: not built; systemd-analyze verify needs ExecStart= to exist" \
    "(build the receptiond target first)" >&2
  exit 1
fi

# Settings whose absence would still verify but break the daemon or its packaging.
require () {
  grep -Eq "^$1" "$unit" || fail "$unit: no line matching '^$1'"
}
require 'Type=notify$'
require 'NotifyAccess=main$'
require 'WatchdogSec=[0-9]'
require 'ExecStart=/[^ ]*/receptiond --config /[^ ]*/receptiond/receptiond\.conf$'
# shellcheck disable=SC2016 # a literal $MAINPID
require 'ExecReload=/bin/kill -HUP \$MAINPID$'
require 'Restart=on-failure$'
require 'RestartPreventExitStatus=(.* )?78( |$)'
require 'User=receptiond$'
require 'RuntimeDirectory=receptiond$'
require 'StateDirectory=receptiond$'
require 'DevicePolicy=closed$'
require 'DeviceAllow=char-video4linux rw$'
require 'DeviceAllow=char-alsa rw$'
if grep -Eq '^MemoryDenyWriteExecute=(yes|true|on|1)' "$unit"; then
  fail "$unit: MemoryDenyWriteExecute breaks GStreamer's ORC code generation"
fi
if grep -Eq '^PrivateDevices=(yes|true|on|1)' "$unit"; then
  fail "$unit: PrivateDevices hides /dev/video*, /dev/snd and /dev/dri"
fi
if grep -q '@[A-Z_]*@' "$unit"; then
  fail "$unit: unsubstituted @VARIABLE@ left by configure_file"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-systemd-unit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# The file name matters: verify derives the unit name from it.
copy=$tmp/receptiond.service
sed -E "s|^ExecStart=[^ ]+|ExecStart=$binary|" "$unit" >"$copy"
grep -q "^ExecStart=$binary " "$copy" || fail "could not point ExecStart= at $binary"

# verify also loads the units this one names (network-online.target, ...); what it says about
# those is the host's business, so only lines about receptiond count.
out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$copy" 2>&1)
status=$?
about_us=$(printf '%s\n' "$out" | grep -i 'receptiond')
# The copy has the unit's line numbers; name the real file in messages.
about_us=${about_us//"$copy"/"$unit"}
if [ $status -ne 0 ]; then
  fail "systemd-analyze verify exited with $status"
fi
if [ -n "$about_us" ]; then
  fail "systemd-analyze verify reported problems:"
  printf '%s\n' "$about_us" >&2
fi
if [ $status -ne 0 ] && [ -z "$about_us" ] && [ -n "$out" ]; then
  printf '%s\n' "$out" >&2
fi

if [ -n "$sysusers" ] || [ -n "$tmpfiles" ]; then
  # Apply both snippets to a scratch root (--root), as a package installation would to /:
  # sysusers.d writes root/etc/passwd and group, tmpfiles.d then creates the directories with
  # the owner and mode it finds there. Any message from either is a failure.
  root=$tmp/root
  mkdir -p "$root/etc"
  for tool in sysusers tmpfiles; do
    file=${!tool}
    [ -n "$file" ] || continue
    case $tool in
      sysusers) out=$(systemd-sysusers --root="$root" "$file" 2>&1 >/dev/null) ;;
      tmpfiles) out=$(systemd-tmpfiles --root="$root" --create "$file" 2>&1) ;;
    esac
    status=$?
    # sysusers reports "Creating group/user ..." on stderr; those are not problems.
    out=$(printf '%s\n' "$out" | grep -v '^Creating \(group\|user\) ')
    if [ $status -ne 0 ] || [ -n "$out" ]; then
      fail "systemd-$tool $file (exit $status):"
      printf '%s\n' "$out" >&2
    fi
  done
  if [ -n "$sysusers" ]; then
    grep -q '^receptiond:[^:]*:[0-9]*:[0-9]*:[^:]*:/var/lib/receptiond:' "$root/etc/passwd" 2>/dev/null \
      || fail "$sysusers: no user receptiond with home /var/lib/receptiond"
    for group in video audio; do
      grep -Eq "^$group:[^:]*:[0-9]*:(.*,)?receptiond(,|$)" "$root/etc/group" 2>/dev/null \
        || fail "$sysusers: receptiond is not a member of $group"
    done
    for group in receptiond render; do
      grep -q "^$group:" "$root/etc/group" 2>/dev/null || fail "$sysusers: no group $group"
    done
  fi
  if [ -n "$sysusers" ] && [ -n "$tmpfiles" ]; then
    uid=$(awk -F: '$1 == "receptiond" { print $3 }' "$root/etc/passwd" 2>/dev/null)
    gid=$(awk -F: '$1 == "receptiond" { print $3 }' "$root/etc/group" 2>/dev/null)
    for dir in /run/receptiond /var/lib/receptiond; do
      got=$(stat -c '%a %u:%g' "$root$dir" 2>/dev/null)
      [ "$got" = "750 $uid:$gid" ] \
        || fail "$tmpfiles: $dir is '${got:-missing}', expected '750 $uid:$gid'"
    done
  fi
fi

if [ $failures -ne 0 ]; then
  echo "test-systemd-unit: $failures failure(s)" >&2
  exit 1
fi
echo "test-systemd-unit: $unit verifies"
