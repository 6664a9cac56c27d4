// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/plaincheckclient.h"
#include "sync/httpdeliveryclient.h"

#include <QByteArray>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace jobfirst {

/// Runs health-check GETs off the engine's thread. Plain-HTTP nodes given by IP address go
/// through PlainCheckClient (one kept connection each, epoll); the rest (https, tokens, client
/// certificates, host names) through one libcurl multi handle on the runner's own thread,
/// where connections stay open between checks and only requests in flight are polled. (Qt's
/// event dispatcher polls every open socket on each wakeup: at 1,000 nodes that cost about 35%
/// of a core, against HAProxy's 9% on epoll.)
class CheckRunner final
{
public:
    using Done = std::function<void(std::vector<HttpResult> &&results)>;

    /// `done` is called on the runner's or the plain client's thread with the checks finished
    /// in one poll.
    explicit CheckRunner(Done done);
    ~CheckRunner();
    CheckRunner(const CheckRunner &) = delete;
    CheckRunner &operator=(const CheckRunner &) = delete;

    /// Thread-safe: queues one GET; its result carries `tag`.
    void submit(std::uint64_t tag, const QByteArray &url, long timeoutMs,
                std::shared_ptr<const HttpSecurity> security = {});

private:
    void run();

    Done m_done;
    HttpDeliveryClient m_client{4096};
    PlainCheckClient m_plain;
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<HttpPost> m_queue;
    std::atomic_bool m_stop{false};
};

} // namespace jobfirst
