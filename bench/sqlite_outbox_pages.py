#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What SQLite itself writes for the outbox's rows, without the engine around it.

Accepts events as the outbox writer does (an events row and a real-time delivery row each,
in multi-row INSERT OR IGNORE statements, one transaction a group), with the events and
deliveries schema of engine/store/store.cpp after its last migration, then reads the WAL's
frame headers and says how many pages each commit wrote, per table and index.

    bench/sqlite_outbox_pages.py [--group N] [--variant NAME]

Variants take one thing away to show what it costs: no-pending-index, no-partial-indexes
(deliveries_dead, deliveries_coalescable), no-autoincrement, payload-data-only (the payload
without the envelope it repeats), no-delivery-rows (a real-time delivery as a target's
position in the events instead of a row of its own). Run it under `valgrind --tool=callgrind` with `--only-commit`
to count SQLite's instructions a group (sqlite3_step's inclusive count over --groups).
"""
import argparse
import collections
import os
import sqlite3
import struct
import tempfile

PAYLOAD = (b'{"data":{"email":"someone@jobfirst.cn"},"id":"evt_019ad2a4-1111-7abc-8def-0123456789ab",'
           b'"timestamp":"2026-11-30T12:00:00.000Z","type":"user.updated","user_id":"u12-34567"}')
DATA_ONLY = b'{"email":"someone@jobfirst.cn"}'


def schema(variant):
    auto = '' if variant == 'no-autoincrement' else 'AUTOINCREMENT'
    yield (f'CREATE TABLE events (seq INTEGER PRIMARY KEY {auto}, event_id TEXT NOT NULL UNIQUE,'
           ' type TEXT NOT NULL, user_id TEXT NOT NULL, version INTEGER NOT NULL,'
           ' payload TEXT NOT NULL, created_at INTEGER NOT NULL)')
    yield (f'CREATE TABLE deliveries (id INTEGER PRIMARY KEY {auto}, event_seq INTEGER NOT NULL,'
           ' target TEXT NOT NULL, user_id TEXT NOT NULL, state TEXT NOT NULL,'
           ' attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,'
           " last_error TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
           ' updated_at INTEGER NOT NULL, event_count INTEGER NOT NULL DEFAULT 1,'
           " mode TEXT NOT NULL DEFAULT 'real-time')")
    if variant != 'no-pending-index':
        yield "CREATE INDEX deliveries_pending ON deliveries(target, id) WHERE state = 'pending'"
    if variant != 'no-partial-indexes':
        yield "CREATE INDEX deliveries_dead ON deliveries(id) WHERE state = 'dead'"
        yield ('CREATE INDEX deliveries_coalescable ON deliveries(target, user_id)'
               " WHERE state = 'pending' AND attempts = 0 AND next_at > created_at")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--group', type=int, default=25, help='events a commit (at most 32)')
    ap.add_argument('--groups', type=int, default=2200)
    ap.add_argument('--variant', default='as-is')
    ap.add_argument('--page-size', type=int, default=4096)
    ap.add_argument('--only-commit', action='store_true', help='skip the WAL reading')
    args = ap.parse_args()
    work = tempfile.TemporaryDirectory(prefix='sqlite_outbox_pages')
    path = os.path.join(work.name, 'outbox.db')
    db = sqlite3.connect(path, isolation_level=None)
    db.execute('PRAGMA page_size=%d' % args.page_size)
    db.execute('PRAGMA journal_mode=WAL')
    db.execute('PRAGMA synchronous=NORMAL')
    db.execute('PRAGMA wal_autocheckpoint=0')  # every frame stays in the WAL to be read
    for statement in schema(args.variant):
        db.execute(statement)
    rows = args.group
    frame_bytes = args.page_size + 24
    events = ('INSERT OR IGNORE INTO events(event_id, type, user_id, version, payload, created_at)'
              ' VALUES ' + ','.join(['(?, ?, ?, 0, ?, ?)'] * rows))
    deliveries = ('INSERT OR IGNORE INTO deliveries(event_seq, target, user_id, state, next_at,'
                  ' created_at, updated_at, event_count, mode) VALUES '
                  + ','.join(["(?, ?, ?, 'pending', ?, ?, ?, ?, ?)"] * rows))
    payload = DATA_ONLY if args.variant == 'payload-data-only' else PAYLOAD
    now = 1764500000000
    seq = 0
    frames_before = 0
    measured_from = args.groups - 200
    for g in range(args.groups):
        if g == measured_from and not args.only_commit:
            frames_before = (os.path.getsize(path + '-wal') - 32) // frame_bytes
        event_values, delivery_values = [], []
        for k in range(rows):
            i = g * rows + k
            # Ids as timeOrderedEventId makes them: milliseconds first, random within one.
            event_id = 'evt_%012x-7%03x-8%03x-%012x' % (now + i // 30, (k * 2654435761) % 4096,
                                                        i & 0xfff, i)
            user = 'u%d-%d' % (k, i)
            seq += 1
            event_values += [event_id, 'user.updated', user, payload, now]
            delivery_values += [seq, 'user-service', user, now, now, now, 1, 'real-time']
        db.execute('BEGIN IMMEDIATE')
        db.execute(events, event_values)
        if args.variant != 'no-delivery-rows':
            db.execute(deliveries, delivery_values)
        db.execute('COMMIT')
    if args.only_commit:
        return
    page_of = {pageno: name for name, pageno in db.execute('SELECT name, pageno FROM dbstat')}
    page_of[1] = 'page 1 (the file header)'
    wal = open(path + '-wal', 'rb').read()
    per_tree = collections.Counter()
    commits = 0
    for frame in range(frames_before, (len(wal) - 32) // frame_bytes):
        page, commit = struct.unpack('>II', wal[32 + frame * frame_bytes:][:8])
        per_tree[page_of.get(page, 'page %d' % page)] += 1
        commits += 1 if commit else 0
    total = sum(per_tree.values())
    print('variant %s, %d events a commit, %d-byte pages: %.1f pages a commit (%.0f bytes of WAL'
          ' an event)' % (args.variant, rows, args.page_size, total / commits,
                          total * frame_bytes / commits / rows))
    for tree, pages in per_tree.most_common():
        print('  %-28s %.2f' % (tree, pages / commits))


if __name__ == '__main__':
    main()
