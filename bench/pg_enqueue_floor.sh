#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The floor of a durable enqueue on PostgreSQL against Redis, in one sitting: what the server
# (and pgbench, the client) spend per event on the least PostgreSQL could do for a group of
# events in each storage layout, and what redis-server and redis-benchmark spend per LPUSH with
# `appendfsync always` and 50 clients. Both servers run on a temp dir with the bench's own
# settings (PostgresServer: fsync and synchronous_commit on, max_connections 200, the rest
# initdb's defaults; bench_outbox's redis-server flags), payload ~180 bytes of JSON.
# pgbench -M prepared, parameters bound, each statement one transaction (one COMMIT):
#   a      today's tables: events + one deliveries row per event and target, with their
#          indexes as the engine's PostgresSchema makes them (jobfirstctl creates a store,
#          pg_dump -s copies the two tables, so the floor follows schema changes)
#   b      events only (their table as today's); delivery state kept per target as a cursor,
#          written on delivery, not on enqueue
#   c      one row per group of N events (ids, types, users, versions as arrays, the payloads
#          as one bytea with offsets) and one delivery row per group and target
#   cids   c, plus one narrow row per event id (unnest of the ids: an id accepted twice fails)
#   d, dids  c and cids with server settings an operator could keep (the last runs, after a
#          restart): wal_buffers, wal_compression, default_toast_compression, commit_delay and
#          commit_siblings. Durability stays: fsync, synchronous_commit, full_page_writes on.
# A shape CxN is C pgbench connections each sending N events per statement: 1x50 and 2x25 hold
# 50 events in flight, as 50 callers each waiting for its own event do (the engine's writer
# makes ~35-event groups of them); 50x35 holds 1,750, an upper bound no 50 callers reach.
# Prints events/s, server CPU (the postmaster and every child, exited ones included), client
# CPU and WAL per event, events per WAL sync, and the ratio to the Redis run just before it;
# for Redis its rate, CPU per write (redis-server, redis-benchmark) and writes per fsync.
# Usage: bench/pg_enqueue_floor.sh [seconds per run (10)] [layouts (a b c cids d dids)]
#                                  [shapes (1x50 2x25 50x35)] [sittings (1)]
# JOBFIRSTCTL: the jobfirstctl that makes the tables (build/app/ctl/jobfirstctl).
set -euo pipefail
ctl="${JOBFIRSTCTL:-$(cd "$(dirname "$0")/.." && pwd)/build/app/ctl/jobfirstctl}"
[ -x "$ctl" ] || { echo "no jobfirstctl at $ctl (scripts/build, or set JOBFIRSTCTL)" >&2; exit 1; }
secs="${1:-10}"
layouts="${2:-a b c cids d dids}"
shapes="${3:-1x50 2x25 50x35}"
sittings="${4:-1}"
for t in redis-server redis-benchmark redis-cli pgbench python3; do
  command -v "$t" > /dev/null || { echo "$t not installed (bench/run installs the peers)" >&2; exit 1; }
done
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
dir="$(mktemp -d)"
chmod 755 "$dir"
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
redis_pid=""
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2> /dev/null && wait "$redis_pid" 2> /dev/null
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
sql() { "$bin/psql" "${pg[@]}" -q -v ON_ERROR_STOP=1 -d jobfirst "$@" > /dev/null; }
"$bin/createdb" "${pg[@]}" jobfirst
# Layout a's tables as the engine makes them: a store of its own schema in database "schema"
# (jobfirstctl migrates it on opening), its events and deliveries tables copied here.
"$bin/createdb" "${pg[@]}" schema
"$ctl" --db "postgresql://jobfirst@127.0.0.1:$port/schema" --local-db "$dir/ctl.db" daemons --json \
  > /dev/null 2> "$dir/ctl.err" || { cat "$dir/ctl.err" >&2; exit 1; }
"$bin/pg_dump" "${pg[@]}" --schema-only --no-owner -t events -t deliveries schema | sql
schema="$("$bin/psql" "${pg[@]}" -d schema -tAc 'SELECT version FROM jobfirst_schema')"
indexes="$("$bin/psql" "${pg[@]}" -d jobfirst -tAc "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE tablename IN ('events', 'deliveries')")"
# Layout c's tables: a group of events is one row; its delivery row per target has the
# indexes the scheduler and the pruner would need (pending by target, by group).
sql << 'EOF'
CREATE TABLE event_groups (seq BIGSERIAL PRIMARY KEY, event_ids TEXT[] NOT NULL,
  types TEXT[] NOT NULL, user_ids TEXT[] NOT NULL, versions BIGINT[] NOT NULL,
  payloads BYTEA NOT NULL, offsets INTEGER[] NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE group_deliveries (id BIGSERIAL PRIMARY KEY, group_seq BIGINT NOT NULL,
  target TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at BIGINT NOT NULL, last_error TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL, part INTEGER NOT NULL);
CREATE INDEX group_deliveries_pending ON group_deliveries(target, id) WHERE state = 'pending';
CREATE INDEX group_deliveries_group ON group_deliveries(group_seq);
CREATE TABLE event_ids (event_id TEXT PRIMARY KEY, group_seq BIGINT NOT NULL);
EOF
payload='{"data":{"email":"someone@jobfirst.cn"},"id":"evt_01938a7c-5e2f-7a3b-8c4d-123456789abc","timestamp":"2026-11-29T21:00:00.000Z","type":"user.updated","user":"u12-345678","version":0}'

# Layout c's parameters for a group of n events, as files of pgbench -D values: the ids, types,
# users and versions as array literals, the payloads (each its own ids and address, so TOAST
# compresses them no better than real ones) as one hex bytea, and their offsets.
group_params() {
  python3 - "$1" "$dir/group$1" << 'EOF'
import json, os, sys, uuid
n, out = int(sys.argv[1]), sys.argv[2]
ids = ['evt_' + str(uuid.uuid4()) for _ in range(n)]
users = ['u%d-%06d' % (i % 97, int.from_bytes(os.urandom(3), 'big') % 10**6) for i in range(n)]
blob, offsets = b'', []
for i in range(n):
    offsets.append(len(blob))
    blob += json.dumps({'data': {'email': uuid.uuid4().hex[:10] + '@jobfirst.cn'}, 'id': ids[i],
                        'timestamp': '2026-11-29T21:00:00.%03dZ' % i, 'type': 'user.updated',
                        'user': users[i], 'version': i}, separators=(',', ':')).encode()
arr = lambda xs: '{' + ','.join(str(x) for x in xs) + '}'
for name, value in (('ids', arr(ids)), ('types', arr(['user.updated'] * n)), ('users', arr(users)),
                    ('versions', arr(range(n))), ('offsets', arr(offsets)), ('blob', '\\x' + blob.hex())):
    open(out + '.' + name, 'w').write(value)
EOF
}

# A pgbench script inserting `n` events of `layout` in one statement.
script() {
  local layout="$1" n="$2" f="$dir/$1-$2.sql" i
  {
    # k counts this client's statements (from -D k=0): ids grow with time across clients.
    echo '\set k :k + 1'
    case "$layout" in
      a | b)
        for ((i = 0; i < n; i++)); do echo "\\set e$i 1000000000000 + (:k * $n + $i) * 64 + :client_id"; done
        [ "$layout" = a ] && printf 'WITH ev AS ('
        printf 'INSERT INTO events(event_id, type, user_id, version, payload, created_at) VALUES '
        for ((i = 0; i < n; i++)); do
          [ "$i" -gt 0 ] && printf ', '
          printf "('evt_01938a7c-5e2f-7a3b-' || :e$i, 'user.updated', 'u' || :e$i, 0, :payload, 1764450000000)"
        done
        if [ "$layout" = a ]; then
          printf ' RETURNING seq, user_id) INSERT INTO deliveries(event_seq, target, user_id, state,'
          printf " next_at, created_at, updated_at, event_count, mode, part) SELECT seq, 'user-service',"
          printf " user_id, 'pending', 1764450000000, 1764450000000, 1764450000000, 1, 'real-time', 7 FROM ev"
        fi
        echo ';'
        ;;
      c | cids | d | dids)
        printf 'WITH g AS (INSERT INTO event_groups(event_ids, types, user_ids, versions, payloads,'
        printf ' offsets, created_at) VALUES (:ids, :types, :users, :versions, :blob, :offsets,'
        printf ' 1764450000000) RETURNING seq)'
        case "$layout" in *ids)
          # Each id made unique per statement (the array itself is the same each time).
          printf "%s" ", i AS (INSERT INTO event_ids(event_id, group_seq) SELECT x || '.' || :k || '.' || :client_id,"
          printf ' seq FROM g, unnest(:ids::text[]) x)'
          ;;
        esac
        printf ' INSERT INTO group_deliveries(group_seq, target, state, next_at, created_at,'
        printf " updated_at, part) SELECT seq, 'user-service', 'pending', 1764450000000,"
        printf ' 1764450000000, 1764450000000, 7 FROM g;\n'
        ;;
    esac
  } > "$f"
  echo "$f"
}

tck="$(getconf CLK_TCK)"
# CPU ticks of the postmaster (with its exited children) and of its living children.
ticks() {
  local postmaster total sum=0 p
  postmaster="$(head -1 "$dir/data/postmaster.pid")"
  total="$(awk '{ split($0, a, ") "); split(a[2], f, " "); print f[12] + f[13] + f[14] + f[15] }' "/proc/$postmaster/stat")"
  for p in $(pgrep -P "$postmaster"); do
    sum=$((sum + $(awk '{ split($0, a, ") "); split(a[2], f, " "); print f[12] + f[13] }' "/proc/$p/stat" 2> /dev/null || echo 0)))
  done
  echo $((total + sum))
}
# CPU seconds (user + system) of a command run in the foreground, its output to $dir/out.
timed() {
  local TIMEFORMAT='%3U %3S'
  { time "$@" > "$dir/out" 2>&1; } 2> "$dir/time"
  awk '{ print $1 + $2 }' "$dir/time"
}

redis_rate=0
run() {
  local layout="$1" c="${2%x*}" n="${2#*x}" f w0 t0 t1 wal syncs tx client extra=()
  f="$(script "$layout" "$n")"
  case "$layout" in
    c | cids | d | dids)
      [ -e "$dir/group$n.blob" ] || group_params "$n"
      for v in ids types users versions offsets blob; do extra+=(-D "$v=$(cat "$dir/group$n.$v")"); done
      ;;
  esac
  sql -c 'TRUNCATE events, deliveries, event_groups, group_deliveries, event_ids' -c 'CHECKPOINT' \
    -c "SELECT pg_stat_reset_shared('wal')"
  w0="$("$bin/psql" "${pg[@]}" -d jobfirst -tAc 'SELECT pg_current_wal_lsn()')"
  t0="$(ticks)"
  client="$(timed "$bin/pgbench" "${pg[@]}" -n -M prepared -c "$c" -j 2 -T "$secs" -D k=0 \
    -D "payload=$payload" "${extra[@]}" -f "$f" jobfirst)" || { head -8 "$dir/out" >&2; return 1; }
  sleep 0.5 # the backends exit and are counted in the postmaster's children's time
  t1="$(ticks)"
  wal="$("$bin/psql" "${pg[@]}" -d jobfirst -tAc "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$w0')")"
  syncs="$("$bin/psql" "${pg[@]}" -d jobfirst -tAc 'SELECT wal_sync FROM pg_stat_wal')"
  grep -i -E "error|abort" "$dir/out" | head -3 >&2 || true
  tx="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$dir/out")"
  awk -v name="$layout" -v n="$n" -v c="$c" -v tx="$tx" -v d="$((t1 - t0))" -v tck="$tck" -v s="$secs" \
    -v wal="$wal" -v syncs="$syncs" -v cl="$client" -v redis="$redis_rate" 'BEGIN {
    ev = tx * n; server = d / tck * 1e6 / ev; client = cl * 1e6 / ev
    printf "%-5s %3dx%-3d events/s %7.0f (%.2fx Redis)  CPU per event: server %5.1f us, pgbench %4.1f us, both %5.1f us  WAL %4.0f B per event, %5.1f events per sync\n",
      name, c, n, ev / s, ev / s / redis, server, client, server + client, wal / ev, ev / (syncs > 0 ? syncs : 1) }'
}

# redis-server as bench_outbox starts it, on this temp dir; redis-benchmark LPUSH with 50
# clients and values of the payload's size. It runs a number of requests, not a time: a first
# run sizes the measured one to about `secs`.
start_redis() {
  local p
  p="$(free_port)"
  mkdir "$dir/redis"
  redis-server --port "$p" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --appendfsync always \
    --save '' > "$dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$p" ping > /dev/null 2>&1 && break; sleep 0.1; done
  redis_port="$p"
}
redis_run() {
  local size="$1" requests="$2" s0 s1 client rate perf_pid syncs
  s0="$(awk '{ split($0, a, ") "); split(a[2], f, " "); print f[12] + f[13] }' "/proc/$redis_pid/stat")"
  # redis-server's fsync calls (appendfsync always: one per pass of its event loop that wrote),
  # counted by perf where the kernel lets it, so its events per sync compare with the WAL's.
  perf stat -x, -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p "$redis_pid" \
    -o "$dir/perf" 2> /dev/null &
  perf_pid=$!
  sleep 0.2
  client="$(timed redis-benchmark -p "$redis_port" -q -t lpush -n "$requests" -c 50 -d "$size")"
  s1="$(awk '{ split($0, a, ") "); split(a[2], f, " "); print f[12] + f[13] }' "/proc/$redis_pid/stat")"
  kill -INT "$perf_pid" 2> /dev/null || true
  wait "$perf_pid" 2> /dev/null || true
  syncs="$(awk -F, '/sys_enter_f/ && $1 ~ /^[0-9]+$/ { n += $1 } END { print n + 0 }' "$dir/perf" 2> /dev/null || echo 0)"
  rate="$(tr '\r' '\n' < "$dir/out" | sed -n 's/^LPUSH: \([0-9.]*\) requests per second.*/\1/p' | tail -1)"
  awk -v size="$size" -v r="$rate" -v n="$requests" -v d="$((s1 - s0))" -v tck="$tck" -v cl="$client" \
    -v syncs="$syncs" 'BEGIN {
    server = d / tck * 1e6 / n; client = cl * 1e6 / n
    printf "redis LPUSH -c 50 -d %-3d writes/s %7.0f          CPU per write: server %5.1f us, benchmark %4.1f us, both %5.1f us  %s\n",
      size, r, server, client, server + client, (syncs > 0 ? sprintf("%.1f writes per fsync", n / syncs) : "") }' >&2
  echo "$rate"
}
redis_requests() { awk -v r="$1" -v s="$secs" 'BEGIN { printf "%d", r * s }'; }

# Settings an operator could keep, none that gives up durability; wal_buffers needs a restart.
operator_settings() {
  sql -c 'ALTER SYSTEM SET wal_buffers = $$16MB$$' -c 'ALTER SYSTEM SET wal_compression = lz4' \
    -c 'ALTER SYSTEM SET default_toast_compression = lz4' -c 'ALTER SYSTEM SET commit_delay = 100' \
    -c 'ALTER SYSTEM SET commit_siblings = 1'
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w restart > /dev/null
}
default_settings() {
  sql -c 'ALTER SYSTEM RESET wal_buffers' -c 'ALTER SYSTEM RESET wal_compression' \
    -c 'ALTER SYSTEM RESET default_toast_compression' -c 'ALTER SYSTEM RESET commit_delay' \
    -c 'ALTER SYSTEM RESET commit_siblings'
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w restart > /dev/null
}

start_redis
echo "PostgreSQL $("$bin/psql" "${pg[@]}" -d jobfirst -tAc 'SHOW server_version'), layout a: tables of schema $schema (indexes: $indexes); $(redis-server --version | cut -d' ' -f1-3); $secs s per run"
echo "command: bench/pg_enqueue_floor.sh $secs '$layouts' '$shapes' $sittings"
# Redis takes turns with PostgreSQL: a Redis run of the payload's size just before each
# PostgreSQL run, whose ratio is to it (the disk's syncs swing with other work on the
# machine); bench_outbox's (3-byte values) once a sitting.
for ((s = 1; s <= sittings; s++)); do
  echo "sitting $s at $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
  sized="$(redis_run "${#payload}" 20000 2> /dev/null)"
  redis_run 3 "$(redis_requests "$sized")" > /dev/null
  operator=0
  for layout in $layouts; do
    case "$layout" in d | dids) [ "$operator" = 1 ] || { operator_settings; operator=1; } ;; esac
    for shape in $shapes; do
      redis_rate="$(redis_run "${#payload}" "$(redis_requests "$sized")")"
      sized="$redis_rate" # sizes the next run
      run "$layout" "$shape"
    done
  done
  [ "$operator" = 0 ] || default_settings
done
