#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The floor of a durable enqueue on PostgreSQL: what the server spends per event on the least
# it could do for our rows, with the bench's own settings (PostgresServer: fsync and
# synchronous_commit on, max_connections 200, the rest initdb's defaults). pgbench, -M prepared,
# each statement one transaction that inserts events and their delivery rows (one target each,
# as bench_outbox's) into the enqueue's two tables, with their indexes, as the engine's own
# PostgresSchema makes them (jobfirstctl creates a store, pg_dump -s copies the two tables, so
# the floor follows schema changes); parameters bound, payload ~200 bytes of JSON, event ids
# time-ordered per client.
#   event:   one event per statement, 50 clients
#   groupN:  N events per statement (one multi-row INSERT, as the writer's groups), CLIENTS
# Prints server CPU (the postmaster and every child, exited ones included) per event.
# Usage: bench/pg_enqueue_floor.sh [seconds per run (10)] [group size (35)] [group clients (5 50)]
# JOBFIRSTCTL: the jobfirstctl that makes the tables (build/app/ctl/jobfirstctl).
set -euo pipefail
ctl="${JOBFIRSTCTL:-$(cd "$(dirname "$0")/.." && pwd)/build/app/ctl/jobfirstctl}"
[ -x "$ctl" ] || { echo "no jobfirstctl at $ctl (scripts/build, or set JOBFIRSTCTL)" >&2; exit 1; }
secs="${1:-10}"
group="${2:-35}"
clients="${3:-5 50}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
dir="$(mktemp -d)"
chmod 755 "$dir"
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cleanup() {
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U jobfirst --no-sync -E UTF8 > /dev/null
"${as[@]}" sh -c "cat >> '$dir/data/postgresql.auto.conf'" << EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
max_connections = 200
EOF
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start > /dev/null
pg=(-h 127.0.0.1 -p "$port" -U jobfirst)
"$bin/createdb" "${pg[@]}" jobfirst
# The enqueue's tables as the engine makes them: a store of its own schema in database
# "schema" (jobfirstctl migrates it on opening), its events and deliveries tables copied here.
"$bin/createdb" "${pg[@]}" schema
"$ctl" --db "postgresql://jobfirst@127.0.0.1:$port/schema" --local-db "$dir/ctl.db" daemons --json \
  > /dev/null 2> "$dir/ctl.err" || { cat "$dir/ctl.err" >&2; exit 1; }
"$bin/pg_dump" "${pg[@]}" --schema-only --no-owner -t events -t deliveries schema |
  "$bin/psql" "${pg[@]}" -q -v ON_ERROR_STOP=1 -d jobfirst > /dev/null
schema="$("$bin/psql" "${pg[@]}" -d schema -tAc 'SELECT version FROM jobfirst_schema')"
indexes="$("$bin/psql" "${pg[@]}" -d jobfirst -tAc "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE tablename IN ('events', 'deliveries')")"
payload='{"data":{"email":"someone@jobfirst.cn"},"id":"evt_01938a7c-5e2f-7a3b-8c4d-123456789abc","timestamp":"2026-11-29T21:00:00.000Z","type":"user.updated","user":"u12-345678","version":0}'

# A pgbench script inserting `n` events and their rows in one statement.
script() {
  local n="$1" f="$dir/enqueue$1.sql" i
  {
    # k counts this client's statements (from -D k=0): ids grow with time across clients.
    echo '\set k :k + 1'
    for ((i = 0; i < n; i++)); do echo "\\set e$i 1000000000000 + (:k * $n + $i) * 64 + :client_id"; done
    printf 'WITH ev AS (INSERT INTO events(event_id, type, user_id, version, payload, created_at) VALUES '
    for ((i = 0; i < n; i++)); do
      [ "$i" -gt 0 ] && printf ', '
      printf "('evt_01938a7c-5e2f-7a3b-' || :e$i, 'user.updated', 'u' || :e$i, 0, :payload, 1764450000000)"
    done
    printf ' RETURNING seq, user_id) INSERT INTO deliveries(event_seq, target, user_id, state,'
    printf " next_at, created_at, updated_at, event_count, mode, part) SELECT seq, 'user-service',"
    printf " user_id, 'pending', 1764450000000, 1764450000000, 1764450000000, 1, 'real-time', 7 FROM ev;\n"
  } > "$f"
  echo "$f"
}

postmaster="$(head -1 "$dir/data/postmaster.pid")"
tck="$(getconf CLK_TCK)"
# CPU ticks of the postmaster (with its exited children) and of its living children.
ticks() {
  local total sum=0 p
  total="$(awk '{ split($0, a, ") "); split(a[2], f, " "); print f[12] + f[13] + f[14] + f[15] }' "/proc/$postmaster/stat")"
  for p in $(pgrep -P "$postmaster"); do
    sum=$((sum + $(awk '{ split($0, a, ") "); split(a[2], f, " "); print f[12] + f[13] }' "/proc/$p/stat" 2> /dev/null || echo 0)))
  done
  echo $((total + sum))
}

run() {
  local name="$1" n="$2" c="$3" f t0 t1 w0 wal out tx
  f="$(script "$n")"
  "$bin/psql" "${pg[@]}" -q -d jobfirst -c 'TRUNCATE events, deliveries' -c 'CHECKPOINT' > /dev/null
  w0="$("$bin/psql" "${pg[@]}" -d jobfirst -tAc 'SELECT pg_current_wal_lsn()')"
  t0="$(ticks)"
  out="$("$bin/pgbench" "${pg[@]}" -n -M prepared -c "$c" -j 2 -T "$secs" -D k=0 -D "payload=$payload" -f "$f" jobfirst 2>&1)" || { echo "$out" | head -8 >&2; return 1; }
  sleep 0.5 # the backends exit and are counted in the postmaster's children's time
  t1="$(ticks)"
  wal="$("$bin/psql" "${pg[@]}" -d jobfirst -tAc "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$w0')")"
  echo "$out" | grep -i -E "error|abort" | head -3 >&2 || true
  tx="$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')"
  awk -v name="$name" -v n="$n" -v c="$c" -v tx="$tx" -v d="$((t1 - t0))" -v tck="$tck" -v s="$secs" -v wal="$wal" 'BEGIN {
    ev = tx * n
    printf "%-10s clients %3d  events/s %8.0f  events per COMMIT %3d  server CPU per event %6.1f us  WAL %4.0f bytes per event\n",
      name, c, ev / s, n, d / tck * 1e6 / ev, wal / ev }'
}

echo "PostgreSQL $("$bin/psql" "${pg[@]}" -d jobfirst -tAc 'SHOW server_version'), tables of schema $schema (indexes: $indexes), $secs s per run, load $(cut -d' ' -f1-3 /proc/loadavg)"
run event 1 50
for c in $clients; do run "group$group" "$group" "$c"; done
