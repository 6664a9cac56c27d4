// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "logs/logentry.h"

#include <QList>
#include <QObject>

class QTimer;

namespace jobfirst {

class Store;

/// Writes the engine's log lines to the store: buffered, and written in one transaction
/// every half second (a burst of alerts is one commit); lines older than the retention are
/// pruned in small batches. Lives on the engine thread.
class LogBook final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogBook)

public:
    LogBook(Store *store, qint64 retentionMs, QObject *parent = nullptr);
    ~LogBook() override;

    void record(const QString &level, const QString &component, const QString &kind, const QString &message,
                const QJsonObject &fields = {}, const QString &node = {}, const QString &target = {});
    void setRetention(qint64 ms) { m_retentionMs = ms; }
    /// Writes what is buffered now (at shutdown, and before a query reads the log).
    void flush();

private:
    void prune();

    Store *m_store;
    qint64 m_retentionMs;
    QList<LogEntry> m_pending;
    QTimer *m_flush;
    QTimer *m_prune;
};

} // namespace jobfirst
