// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>

class QTimer;

namespace jobfirst {

class PostgresStateStore;

/// Tells this daemon when another daemon changed the shared state (nodes, health, config):
/// LISTEN on the store's connection (QPSQL's notifications) and, as a fallback for a
/// notification lost with a connection, a poll of the change marks every `pollMs`. Changes
/// arriving together are reported once (`changed` with the kinds). Lives on the thread of
/// the store's connection.
class StateChangeWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StateChangeWatcher)

public:
    StateChangeWatcher(PostgresStateStore *store, int pollMs, QObject *parent = nullptr);

    /// Subscribes and reads the marks as they are now (changes before this are not reported).
    void start();
    void stop();

signals:
    /// Some of "nodes", "health", "config" changed since the last report.
    void changed(const QSet<QString> &kinds);
    /// A poll found the store unavailable (`why`), after it had answered.
    void lost(const QString &why);
    /// A poll found the store answering again after lost().
    void back();

private:
    void subscribe();
    void poll();
    void note(const QString &kind);

    PostgresStateStore *m_store;
    QTimer *m_poll;
    QTimer *m_coalesce;
    QHash<QString, qint64> m_marks;
    QSet<QString> m_pending;
    bool m_connected = false;
    bool m_lost = false; ///< the last poll failed
};

} // namespace jobfirst
