// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <QPromise>

#include <memory>

#include <type_traits>
#include <utility>

namespace jobfirst {

/// Calls f(result) (f() for QFuture<void>) on `context`'s thread once `future` has finished,
/// as `future.then(context, f)` does; not at all when the future is canceled or `context` is
/// gone first. Call it on `context`'s thread.
///
/// Use it instead of QFuture::then() on a future that another thread finishes (an engine
/// call, the outbox's answer). Qt 6.4's then() races with that thread: when the future
/// finishes while then() attaches, both threads can run the continuation, the second time
/// with its promise already moved away, and the process dies in
/// QFutureInterfaceBase::reportStarted() (seen in jobfirstd under 50 producers). Later Qt
/// guards this with a "continuation executed" flag. QFutureWatcher learns of the finish under
/// the future's own lock, so it hears it exactly once.
template <typename T, typename F>
void whenFinished(const QFuture<T> &future, QObject *context, F &&f)
{
    auto *watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context,
                     [watcher, fn = std::forward<F>(f)]() mutable {
                         watcher->deleteLater();
                         if (watcher->isCanceled())
                             return;
                         if constexpr (std::is_void_v<T>)
                             fn();
                         else
                             fn(watcher->result());
                     });
    watcher->setFuture(future);
}

/// As whenFinished(), for a chain that needs a future back: returns the future of f(result)
/// (f() for QFuture<void>), as `future.then(context, f)` does. That future is canceled when
/// `future` is canceled or `context` is gone before f ran.
template <typename T, typename F>
auto whenFinishedThen(const QFuture<T> &future, QObject *context, F &&f)
{
    using R = typename std::conditional_t<std::is_void_v<T>, std::invoke_result<F>,
                                          std::invoke_result<F, T>>::type;
    // Shared, so that the promise dies (canceling its future) with the watcher's connection.
    auto promise = std::make_shared<QPromise<R>>();
    QFuture<R> answer = promise->future();
    promise->start();
    whenFinished(future, context, [promise, fn = std::forward<F>(f)](auto &&...result) mutable {
        if constexpr (std::is_void_v<R>)
            fn(std::forward<decltype(result)>(result)...);
        else
            promise->addResult(fn(std::forward<decltype(result)>(result)...));
        promise->finish();
    });
    return answer;
}

} // namespace jobfirst
