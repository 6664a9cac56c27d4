// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>

#include <optional>

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
    /// The store was found unavailable (`why`): at the first read, or after it answered.
    void lost(const QString &why);
    /// The store was found answering: at the first read, or after lost() (an incident
    /// about it taken back from the engine's last run ends then too).
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
    std::optional<bool> m_lost; ///< whether the last read failed; unset before the first
    void found(bool answered, const QString &why = {});
};

} // namespace jobfirst
