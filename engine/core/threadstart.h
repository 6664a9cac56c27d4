// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <system_error>
#include <thread>
#include <utility>

namespace jobfirst {

/// Runs `start`, which starts threads and returns a Status: a thread that cannot start
/// (std::system_error, when the process is out of threads or memory) becomes an Error naming
/// `what`, where it would otherwise leave a thread function and abort the process.
template <class Start> Status startingThreads(const QString &what, Start &&start)
{
    try {
        return std::forward<Start>(start)();
    } catch (const std::system_error &e) {
        return makeError(
            QStringLiteral("threads.unavailable"),
            QStringLiteral("cannot start %1: %2").arg(what, QString::fromLocal8Bit(e.what())));
    }
}

/// Starts `f` on `thread`, or says why no thread could start.
template <class F> Status startThread(const QString &what, std::thread &thread, F &&f)
{
    return startingThreads(what, [&]() -> Status {
        thread = std::thread(std::forward<F>(f));
        return {};
    });
}

} // namespace jobfirst
