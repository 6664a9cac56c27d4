// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/snapshotdecoder.h"

#include "api/codec.h"
#include "core/queuedcall.h"

#include <algorithm>
#include <cerrno>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace jobfirst {

namespace {

/// How much nicer than the thread that made it the decoder's thread runs. Decoding a
/// 1,000-node snapshot took as much CPU as the console's GUI thread spent drawing it
/// (bench_gui --remote, perf: 30 % of the samples each), and on two cores the frames waited
/// for a core while it ran. At +5 the GUI thread wins a contended core about three times in
/// four; a decoder that falls behind only skips to the newest snapshot.
constexpr int kDecoderNiceness = 5;

} // namespace

SnapshotDecoder::SnapshotDecoder(std::function<void(EngineSnapshot)> deliver)
    : m_deliver(std::move(deliver)), m_context(new QObject)
{
    m_thread.setObjectName(QStringLiteral("jobfirst-decode"));
    m_context->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
#ifdef Q_OS_LINUX
    // Linux keeps a nice value per thread (QThread::setPriority does not change it for
    // SCHED_OTHER threads), so the decoder's thread sets its own.
    postTo(m_context, [] {
        const int tid = int(gettid());
        errno = 0;
        const int nice = getpriority(PRIO_PROCESS, id_t(tid));
        if (errno == 0)
            setpriority(PRIO_PROCESS, id_t(tid), std::min(19, nice + kDecoderNiceness));
    });
#endif
}

SnapshotDecoder::~SnapshotDecoder()
{
    m_thread.quit();
    m_thread.wait();
    // The decoder thread's last step was under m_mutex: taking it here orders everything that
    // thread did before this object goes (QThread::wait's own ordering is inside libQt6Core,
    // where ThreadSanitizer cannot see it).
    QMutexLocker lock(&m_mutex);
}

void SnapshotDecoder::submit(QByteArray json, QList<HealthEvent> events, QList<Alert> alerts)
{
    QMutexLocker lock(&m_mutex);
    if (m_next) { // not decoded yet, and older than this one: its events stay
        events = m_next->events + events;
        alerts = m_next->alerts + alerts;
    }
    m_next = Pending{std::move(json), std::move(events), std::move(alerts)};
    if (!std::exchange(m_draining, true))
        postTo(m_context, [this] { drain(); });
}

void SnapshotDecoder::drain()
{
    for (;;) {
        Pending p;
        {
            QMutexLocker lock(&m_mutex);
            if (!m_next) {
                m_draining = false;
                return;
            }
            p = std::move(*m_next);
            m_next.reset();
            p.events = std::exchange(m_carryEvents, {}) + p.events;
            p.alerts = std::exchange(m_carryAlerts, {}) + p.alerts;
        }
        // Only the rows that changed since the last snapshot are parsed (SnapshotReader). Not
        // JSON, or not a snapshot: nothing is drawn from it, and its events go with the next.
        auto decoded = m_reader.read(p.json);
        if (!decoded) {
            QMutexLocker lock(&m_mutex);
            m_carryEvents = p.events + m_carryEvents;
            m_carryAlerts = p.alerts + m_carryAlerts;
            continue;
        }
        EngineSnapshot snapshot = std::move(decoded).value();
        snapshot.healthEvents = std::move(p.events);
        snapshot.alerts = std::move(p.alerts);
        m_deliver(std::move(snapshot));
    }
}

} // namespace jobfirst
