// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/plaincheckclient.h"

namespace jobfirst {

PlainCheckClient::PlainCheckClient(Done done) : m_done(std::move(done))
{
    m_thread = std::thread([this] { run(); });
}

PlainCheckClient::~PlainCheckClient()
{
    m_stop = true;
    m_http.wake();
    m_thread.join();
}

bool PlainCheckClient::prepare(const QByteArray &url, Request &request)
{
    PlainHttpClient::Endpoint e;
    if (!PlainHttpClient::endpoint(url, e))
        return false;
    request.address = e.address;
    request.addressLength = e.addressLength;
    request.hostHeader = std::move(e.hostHeader);
    request.target = std::move(e.target);
    return true;
}

void PlainCheckClient::submit(Request request)
{
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(request));
    }
    m_http.wake();
}

void PlainCheckClient::run()
{
    std::vector<Request> queued;
    std::vector<HttpResult> done;
    while (!m_stop) {
        {
            std::lock_guard lock(m_mutex);
            queued.swap(m_queue);
        }
        for (Request &r : queued) {
            PlainHttpClient::Request get;
            get.tag = r.tag;
            get.address = r.address;
            get.addressLength = r.addressLength;
            get.head = "GET " + r.target + " HTTP/1.1\r\nHost: " + r.hostHeader +
                       "\r\nUser-Agent: jobfirst-sync/" JOBFIRST_VERSION "\r\nAccept: */*\r\n\r\n";
            get.timeoutMs = r.timeoutMs;
            get.maxBody = r.maxBody;
            get.maxResponseBytes = r.maxResponseBytes;
            m_http.submit(std::move(get));
        }
        queued.clear();
        m_http.poll(-1, done);
        if (!done.empty()) {
            m_done(std::move(done));
            done.clear();
        }
    }
}

} // namespace jobfirst
