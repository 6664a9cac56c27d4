// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/checkrunner.h"

namespace jobfirst {

CheckRunner::CheckRunner(Done done) : m_done(std::move(done)), m_plain(m_done)
{
    m_thread = std::thread([this] { run(); });
}

CheckRunner::~CheckRunner()
{
    m_stop = true;
    m_client.wake();
    m_thread.join();
}

void CheckRunner::submit(std::uint64_t tag, const QByteArray &url, long timeoutMs,
                         std::shared_ptr<const HttpSecurity> security)
{
    PlainCheckClient::Request plain;
    if (!security && PlainCheckClient::prepare(url, plain)) {
        plain.tag = tag;
        plain.timeoutMs = timeoutMs;
        m_plain.submit(std::move(plain));
        return;
    }
    HttpPost get;
    get.tag = tag;
    get.url = url;
    get.get = true;
    get.timeoutMs = timeoutMs;
    get.maxBody = 64 * 1024;
    get.maxResponseBytes = 64 * 1024; // a health answer is small: more is cut off, not read
    get.security = std::move(security);
    get.headers << QByteArrayLiteral("Accept: */*");
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(get));
    }
    m_client.wake();
}

void CheckRunner::run()
{
    std::vector<HttpPost> queued;
    std::vector<HttpResult> results;
    while (!m_stop) {
        {
            std::lock_guard lock(m_mutex);
            queued.swap(m_queue);
        }
        for (HttpPost &p : queued)
            m_client.submit(std::move(p));
        queued.clear();
        results.clear();
        m_client.poll(1000, results);
        if (!results.empty())
            m_done(std::move(results));
    }
}

} // namespace jobfirst
