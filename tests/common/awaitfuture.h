// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QFuture>

/// Waits for `future` while the event loop runs (its answer is handed back on this thread),
/// then answers its result. Test code only.
template <typename T> T awaitFuture(QFuture<T> future)
{
    while (!future.isFinished())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    return future.result();
}
