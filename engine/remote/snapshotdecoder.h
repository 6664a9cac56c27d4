// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "remote/snapshotreader.h"

#include <QByteArray>
#include <QMutex>
#include <QObject>
#include <QThread>

#include <functional>
#include <optional>

namespace jobfirst {

/// Decodes the live stream's snapshots on a thread of its own. The transport thread only
/// splits the stream, so an event behind a snapshot (a node's health change) is handed on at
/// once instead of after a 1,000-node snapshot is decoded. A snapshot that arrives while
/// another waits replaces it: only the newest is decoded, carrying the health events and
/// alerts of those it replaced, so none is lost. Only the nodes and targets whose JSON
/// changed since the last snapshot are parsed (SnapshotReader).
class SnapshotDecoder final
{
    Q_DISABLE_COPY_MOVE(SnapshotDecoder)

public:
    /// `deliver` is called on the decoder's thread with each decoded snapshot.
    explicit SnapshotDecoder(std::function<void(EngineSnapshot)> deliver);
    ~SnapshotDecoder();

    /// Any thread: a snapshot's JSON, with the events that arrived before it.
    void submit(QByteArray json, QList<HealthEvent> events, QList<Alert> alerts);

private:
    struct Pending
    {
        QByteArray json;
        QList<HealthEvent> events;
        QList<Alert> alerts;
    };
    void drain();

    std::function<void(EngineSnapshot)> m_deliver;
    QThread m_thread;
    QObject *m_context; ///< lives on m_thread
    QMutex m_mutex;
    std::optional<Pending> m_next;    ///< guarded by m_mutex
    QList<HealthEvent> m_carryEvents; ///< of a snapshot that could not be read; m_mutex
    QList<Alert> m_carryAlerts;       ///< same
    bool m_draining = false;          ///< m_mutex
    SnapshotReader m_reader;          ///< used on m_thread only
};

} // namespace jobfirst
