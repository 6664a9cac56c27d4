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
for f in usr/bin/jobfirst-console usr/bin/jobfirstctl usr/bin/jobfirst-nodesim usr/sbin/jobfirstd \
         usr/lib/systemd/system/jobfirstd.service \
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

# The service: its unit runs jobfirstd as the jobfirst user on the packaged paths, and the
# package's scripts create that user and its folders.
unit="$work/root/usr/lib/systemd/system/jobfirstd.service"
grep -q '^User=jobfirst$' "$unit"
grep -q '^ExecStart=/usr/sbin/jobfirstd --config /etc/jobfirst/jobfirst.json --create-config --db /var/lib/jobfirst/cluster.db' "$unit"
# A file a connection: the default 1024 of a service is too few for a large cluster.
grep -q '^LimitNOFILE=65536$' "$unit" || { echo "jobfirstd.service sets no LimitNOFILE=65536"; exit 1; }
dpkg-deb --ctrl-tarfile "$deb" | tar -x -O ./postinst | grep -q 'adduser --system --group'
# jobfirstd from the package starts (as it would under systemd), creates its config with
# fresh secrets, answers its admin API and stops cleanly on SIGTERM.
state="$work/state"
mkdir -m 0700 "$state"
"$work/root/usr/bin/jobfirstctl" --db "$state/cluster.db" token create --name ops --role viewer > "$state/ops.token" 2> /dev/null
"$work/root/usr/sbin/jobfirstd" --config "$state/jobfirst.json" --create-config --db "$state/cluster.db" --listen 127.0.0.1:0 \
  > "$work/jobfirstd.out" 2> "$work/jobfirstd.log" &
daemon=$!
for _ in $(seq 100); do grep -q '^listening' "$work/jobfirstd.out" && break; sleep 0.1; done
port="$(sed -n 's/^listening 127.0.0.1:\([0-9]*\)$/\1/p' "$work/jobfirstd.out")"
[ -n "$port" ] || { echo "jobfirstd from the package did not start:"; cat "$work/jobfirstd.log"; exit 1; }
"$work/root/usr/bin/jobfirstctl" --server "http://127.0.0.1:$port" --token-file "$state/ops.token" status --json | grep -q '"total_nodes"'
[ "$(stat -c %a "$state/jobfirst.json")" = "600" ] || echo "note: config file mode $(stat -c %a "$state/jobfirst.json")"
kill -TERM "$daemon"
wait "$daemon"
grep -q '"jobfirstd stopped"' "$work/jobfirstd.log"
echo "installed console started with --version and --demo; no process left behind"
echo "installed jobfirstd answered its admin API on port $port and stopped on SIGTERM"
