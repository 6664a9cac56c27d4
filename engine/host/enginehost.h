// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/queuedcall.h"
#include "host/engine.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QThread>

#include <memory>
#include <type_traits>

namespace jobfirst {

/// Runs an Engine on its own thread and is the only door to it from the GUI thread: calls
/// are queued to the engine thread and answered through QFuture, snapshots arrive as a
/// queued signal. Stop is quit-then-wait.
class EngineHost final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineHost)

public:
    explicit EngineHost(QObject *parent = nullptr);
    ~EngineHost() override;

    void stop();

    /// Runs f(Engine &) on the engine thread.
    template <typename F> auto call(F &&f) -> QFuture<std::invoke_result_t<F, Engine &>>
    {
        using R = std::invoke_result_t<F, Engine &>;
        auto promise = std::make_shared<QPromise<R>>();
        QFuture<R> future = promise->future();
        promise->start();
        postTo(m_engine, [engine = m_engine, promise, fn = std::forward<F>(f)]() mutable {
            if constexpr (std::is_void_v<R>) {
                fn(*engine);
            } else {
                promise->addResult(fn(*engine));
            }
            promise->finish();
        });
        return future;
    }

    QFuture<CheckResult> probe(const QUrl &url);
    /// Whether the engine has a store open (calls that read it would find nothing otherwise).
    bool isOpen() const { return m_engine->isOpen(); }

signals:
    void snapshot(const jobfirst::EngineSnapshot &snapshot);
    void healthChanged(const jobfirst::HealthEvent &event);
    void configApplied(int version, const QString &actor);
    void configReloadFailed(const QString &message, const QString &code);

private:
    QThread m_thread;
    Engine *m_engine;
};

} // namespace jobfirst
