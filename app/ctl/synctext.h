// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>

class QTextStream;

namespace jobfirst {
struct SyncStats;
struct TargetStatus;
} // namespace jobfirst

/// `sync stats` for people: who delivers, the deliveries counted, the latency and the rates
/// with their units (or that only the delivering process knows them), then the targets' table.
void printSyncStats(QTextStream &out, const jobfirst::SyncStats &stats);

/// `sync status` for people: a row a target, in the console's Sync page's words; what only the
/// delivering process knows (circuit, in flight, last error) is "—" here, and a line says who
/// knows it.
void printTargetTable(QTextStream &out, const QList<jobfirst::TargetStatus> &targets);
