// SPDX-License-Identifier: GPL-3.0-or-later
#include "backoffacceptor.h"

#include "core/connectionbudget.h"
#include "core/jsonlog.h"

#include <QSocketNotifier>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/socket.h>

namespace jobfirst {

BackoffAcceptor::BackoffAcceptor(qintptr listener, std::function<void(qintptr)> take,
                                 QObject *parent)
    : QObject(parent), m_listener(listener), m_take(std::move(take)),
      m_readable(new QSocketNotifier(listener, QSocketNotifier::Read, this))
{
    connect(m_readable, &QSocketNotifier::activated, this, &BackoffAcceptor::acceptWaiting);
    m_resume.setSingleShot(true);
    connect(&m_resume, &QTimer::timeout, this, [this] {
        m_readable->setEnabled(true);
        acceptWaiting();
    });
}

void BackoffAcceptor::acceptWaiting()
{
    for (;;) {
        const int socket = ::accept4(int(m_listener), nullptr, nullptr, SOCK_CLOEXEC);
        if (socket >= 0) {
            m_take(socket);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) // a client that left the queue
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return caughtUp();
        return backOff(errno);
    }
}

void BackoffAcceptor::backOff(int error)
{
    m_readable->setEnabled(false);
    if (m_failures++ == 0) {
        m_delayMs = FirstDelayMs;
        const qint64 limit = qint64(openFileLimit());
        logJson(QStringLiteral("warning"), QStringLiteral("api"),
                QStringLiteral("cannot accept connections: %1; this process may hold %2 open "
                               "files (RLIMIT_NOFILE, LimitNOFILE= in its systemd unit); trying "
                               "again in %3 ms, then twice as long each time up to %4 s")
                    .arg(QString::fromLocal8Bit(std::strerror(error)))
                    .arg(limit)
                    .arg(FirstDelayMs)
                    .arg(MaxDelayMs / 1000),
                {{QStringLiteral("errno"), error}, {QStringLiteral("file_limit"), limit}});
    } else {
        m_delayMs = std::min(m_delayMs * 2, MaxDelayMs);
    }
    m_resume.start(m_delayMs);
}

void BackoffAcceptor::caughtUp()
{
    if (m_failures == 0)
        return;
    logJson(QStringLiteral("info"), QStringLiteral("api"),
            QStringLiteral("accepting connections again, after %1 failed tries").arg(m_failures));
    m_failures = 0;
}

} // namespace jobfirst
