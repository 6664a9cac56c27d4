#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian package, unpacks it into a scratch root and starts what it installed.
set -euo pipefail
build="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$build" && cpack -G DEB -B "$work/out" > "$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb="$(ls "$work"/out/*.deb)"
echo "package: $(basename "$deb")"
dpkg-deb --info "$deb" | grep -E "Package|Depends"
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/jobfirst-console usr/bin/jobfirstctl usr/bin/jobfirst-nodesim \
         usr/share/applications/jobfirst-console.desktop \
         usr/share/metainfo/cn.jobfirst.ClusterConsole.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/jobfirst-console.svg; do
  [ -e "$work/root/$f" ] || { echo "missing in package: $f"; exit 1; }
done
export QT_QPA_PLATFORM=offscreen HOME="$work/home"
mkdir -p "$HOME"
"$work/root/usr/bin/jobfirst-console" --version | grep -q "0.1.0"
"$work/root/usr/bin/jobfirstctl" --version | grep -q "0.1.0"
# The installed console finds the installed nodesim for its demo, runs it, and stops it.
"$work/root/usr/bin/jobfirst-console" --demo --quit-after 4
if pgrep -f "$work/root/usr/bin/jobfirst-nodesim" > /dev/null; then
  echo "the console left demo processes running"; exit 1
fi
echo "installed console started with --version and --demo; no process left behind"
