// SPDX-License-Identifier: GPL-3.0-or-later
#include "host/enginehost.h"

#include "core/cryptolifetime.h"

namespace jobfirst {

EngineHost::EngineHost(QObject *parent) : QObject(parent), m_engine(new Engine)
{
    keepCryptoUntilExit(); // before the engine thread first signs or draws a secret
    qRegisterMetaType<EngineSnapshot>();
    qRegisterMetaType<CheckResult>();
    qRegisterMetaType<HealthEvent>();
    m_thread.setObjectName(QStringLiteral("jobfirst-engine"));
    m_engine->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_engine, &QObject::deleteLater);
    connect(m_engine, &Engine::snapshot, this, &EngineHost::snapshot, Qt::QueuedConnection);
    connect(m_engine, &Engine::healthChanged, this, &EngineHost::healthChanged,
            Qt::QueuedConnection);
    connect(m_engine, &Engine::configApplied, this, &EngineHost::configApplied,
            Qt::QueuedConnection);
    connect(m_engine, &Engine::configReloadFailed, this, &EngineHost::configReloadFailed,
            Qt::QueuedConnection);
    m_thread.start();
}

EngineHost::~EngineHost()
{
    stop();
}

void EngineHost::stop()
{
    if (!m_thread.isRunning())
        return;
    // Shut down on the engine thread (its timers, sockets and SQLite connections live there).
    QMetaObject::invokeMethod(
        m_engine, [engine = m_engine] { engine->shutdown(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

QFuture<CheckResult> EngineHost::probe(const QUrl &url)
{
    auto promise = std::make_shared<QPromise<CheckResult>>();
    QFuture<CheckResult> future = promise->future();
    promise->start();
    postTo(m_engine, [engine = m_engine, url, promise] { engine->probe(url, promise); });
    return future;
}

} // namespace jobfirst
