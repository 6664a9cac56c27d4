// SPDX-License-Identifier: GPL-3.0-or-later
#include "logs/logbook.h"

#include "store/logstore.h"
#include "store/store.h"

#include <QDateTime>
#include <QTimer>

namespace jobfirst {

namespace {
constexpr int FlushMs = 500;
constexpr int PruneMs = 10 * 60 * 1000;
constexpr int PruneBatch = 2000;
} // namespace

LogBook::LogBook(Store *store, qint64 retentionMs, QObject *parent)
    : QObject(parent), m_store(store), m_retentionMs(retentionMs), m_flush(new QTimer(this)), m_prune(new QTimer(this))
{
    m_flush->setSingleShot(true);
    m_flush->setInterval(FlushMs);
    connect(m_flush, &QTimer::timeout, this, &LogBook::flush);
    m_prune->setInterval(PruneMs);
    connect(m_prune, &QTimer::timeout, this, &LogBook::prune);
    m_prune->start();
    QTimer::singleShot(5000, this, &LogBook::prune);
}

LogBook::~LogBook()
{
    flush();
}

void LogBook::record(const QString &level, const QString &component, const QString &kind, const QString &message,
                     const QJsonObject &fields, const QString &node, const QString &target)
{
    LogEntry e;
    e.source = QStringLiteral("log");
    e.at = QDateTime::currentMSecsSinceEpoch();
    e.level = level;
    e.component = component;
    e.kind = kind;
    e.message = message;
    e.fields = fields;
    e.node = node;
    e.target = target;
    m_pending << e;
    if (!m_flush->isActive())
        m_flush->start();
}

void LogBook::flush()
{
    if (m_pending.isEmpty())
        return;
    if (Status s = LogStore(m_store).append(m_pending); !s) {
        // Kept for the next try: a full disk must not lose the log silently.
        qWarning("log: %s", qPrintable(s.error().message));
        if (m_pending.size() > 10000)
            m_pending.remove(0, m_pending.size() - 10000);
        m_flush->start(5000);
        return;
    }
    m_pending.clear();
}

void LogBook::prune()
{
    if (m_retentionMs <= 0)
        return;
    const qint64 before = QDateTime::currentMSecsSinceEpoch() - m_retentionMs;
    // Small batches, each its own short write, until nothing older is left.
    for (int round = 0; round < 50; ++round) {
        auto n = LogStore(m_store).prune(before, PruneBatch);
        if (!n || n.value() < PruneBatch)
            return;
    }
}

} // namespace jobfirst
