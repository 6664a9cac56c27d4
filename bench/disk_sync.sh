#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# How long this disk takes to make 4 KiB durable right now: 2,000 times pwrite of 4 KiB into a
# preallocated 4 MiB file, then fdatasync (what the outbox's intent-log record costs). The time
# swings 3x within minutes on a shared machine (docs/benchmarks.md, session 34): run it next to
# bench_outbox to read its figures. Usage: bench/disk_sync.sh [directory (build/)] [runs (1)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/build}"
runs="${2:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work" "$dir/disk_sync.dat"' EXIT
cat > "$work/sync.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
static double us(struct timespec a, struct timespec b)
{
    return (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
}
int main(int argc, char **argv)
{
    int fd = open(argv[1], O_RDWR | O_CREAT, 0600);
    static char page[4096] = {1};
    if (fd < 0 || ftruncate(fd, 4 << 20) != 0 || fsync(fd) != 0)
        return perror(argv[1]), 1;
    double total = 0, least = 1e9;
    for (int i = 0; i < 2000; ++i) {
        struct timespec s, e;
        clock_gettime(CLOCK_MONOTONIC, &s);
        if (pwrite(fd, page, sizeof page, (i % 512) * 8192L) != sizeof page || fdatasync(fd) != 0)
            return perror("write"), 1;
        clock_gettime(CLOCK_MONOTONIC, &e);
        total += us(s, e);
        least = us(s, e) < least ? us(s, e) : least;
    }
    printf("4 KiB pwrite + fdatasync: mean %.0f us, least %.0f us\n", total / 2000, least);
    return 0;
}
C
cc -O2 -o "$work/sync" "$work/sync.c"
echo "command: bench/disk_sync.sh $dir $runs"
for _ in $(seq "$runs"); do "$work/sync" "$dir/disk_sync.dat"; done
