// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/statechangewatcher.h"

#include "store/postgresstatestore.h"

#include <QSqlDriver>
#include <QTimer>
#include <QVariant>

#include <utility>

namespace jobfirst {

namespace {
// Notifications that arrive within this time are one report (a burst of health changes).
constexpr int CoalesceMs = 20;
} // namespace

StateChangeWatcher::StateChangeWatcher(PostgresStateStore *store, int pollMs, QObject *parent)
    : QObject(parent), m_store(store), m_poll(new QTimer(this)), m_coalesce(new QTimer(this))
{
    m_poll->setInterval(pollMs);
    connect(m_poll, &QTimer::timeout, this, &StateChangeWatcher::poll);
    m_coalesce->setSingleShot(true);
    m_coalesce->setInterval(CoalesceMs);
    connect(m_coalesce, &QTimer::timeout, this, [this] {
        if (!m_pending.isEmpty())
            emit changed(std::exchange(m_pending, {}));
    });
}

void StateChangeWatcher::start()
{
    subscribe();
    auto marks = m_store->changeMarks();
    if (marks)
        m_marks = marks.value();
    found(bool(marks), marks ? QString() : marks.error().message);
    m_poll->start();
}

void StateChangeWatcher::stop()
{
    m_poll->stop();
    m_coalesce->stop();
    QSqlDatabase db = m_store->database();
    if (db.isValid() && db.driver())
        db.driver()->unsubscribeFromNotification(QLatin1String(PostgresStateStore::Channel));
}

void StateChangeWatcher::subscribe()
{
    QSqlDatabase db = m_store->database();
    if (!db.isValid() || !db.driver())
        return;
    QSqlDriver *driver = db.driver();
    const QString channel = QLatin1String(PostgresStateStore::Channel);
    if (driver->subscribedToNotifications().contains(channel))
        return;
    if (!m_connected) {
        // The driver object lives as long as the connection name, across reconnects.
        connect(driver, &QSqlDriver::notification, this,
                [this](const QString &name, QSqlDriver::NotificationSource source,
                       const QVariant &payload) {
                    if (name != QLatin1String(PostgresStateStore::Channel) ||
                        source == QSqlDriver::SelfSource)
                        return;
                    note(payload.toString());
                });
        m_connected = true;
    }
    if (!driver->subscribeToNotification(channel))
        qWarning("store %s: cannot listen for changes of other daemons (polling instead)",
                 qPrintable(m_store->location()));
}

void StateChangeWatcher::note(const QString &kind)
{
    m_pending.insert(kind);
    if (!m_coalesce->isActive())
        m_coalesce->start();
}

void StateChangeWatcher::found(bool answered, const QString &why)
{
    if (m_lost == !answered)
        return;
    m_lost = !answered;
    if (answered)
        emit back();
    else
        emit lost(why);
}

void StateChangeWatcher::poll()
{
    // A connection opened again after a loss has forgotten LISTEN: subscribe again, and find
    // what changed meanwhile in the marks.
    subscribe();
    auto marks = m_store->changeMarks();
    found(bool(marks), marks ? QString() : marks.error().message);
    if (!marks)
        return;
    for (auto it = marks->cbegin(); it != marks->cend(); ++it)
        if (m_marks.value(it.key(), -1) != it.value())
            note(it.key());
    m_marks = marks.value();
}

} // namespace jobfirst
