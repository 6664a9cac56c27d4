// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaObject>
#include <QObject>

#include <utility>

#if defined(__SANITIZE_THREAD__)
#define JOBFIRST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define JOBFIRST_TSAN 1
#endif
#endif

#ifdef JOBFIRST_TSAN
#include <mutex>
#endif

namespace jobfirst {

#ifdef JOBFIRST_TSAN
namespace detail {
/// ThreadSanitizer cannot see the lock inside Qt's event queue (libQt6Core is not built with
/// it), so a functor posted to another thread looks like a race on its own captures. Posting
/// under this mutex, and taking it once on the receiving thread before the captures are read,
/// shows TSan the hand-over that Qt's queue makes. Only in TSan builds.
inline std::mutex &handoverMutex()
{
    static std::mutex m;
    return m;
}
} // namespace detail
#endif

/// Runs `f` on `receiver`'s thread through its event queue: QMetaObject::invokeMethod with
/// Qt::QueuedConnection, with the hand-over visible to ThreadSanitizer.
template <typename F> bool postTo(QObject *receiver, F &&f)
{
#ifdef JOBFIRST_TSAN
    std::lock_guard posting(detail::handoverMutex());
    return QMetaObject::invokeMethod(
        receiver,
        [fn = std::forward<F>(f)]() mutable {
            {
                std::lock_guard received(detail::handoverMutex());
            }
            fn();
        },
        Qt::QueuedConnection);
#else
    return QMetaObject::invokeMethod(receiver, std::forward<F>(f), Qt::QueuedConnection);
#endif
}

} // namespace jobfirst
