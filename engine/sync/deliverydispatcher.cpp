// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliverydispatcher.h"

#include "sync/webhooksignature.h"

#include <QDateTime>

#include <future>
#include <pthread.h>

namespace jobfirst {

namespace {

/// The stored event with its version (the outbox sequence) first in the object.
void appendWithVersion(QByteArray &body, qint64 version, const QByteArray &payload)
{
    body += "{\"version\":";
    body += QByteArray::number(version);
    if (payload.size() > 2) { // "{}" has no member to follow
        body += ',';
        body.append(payload.constData() + 1, payload.size() - 1);
    } else {
        body += '}';
    }
}

} // namespace

DeliveryDispatcher::DeliveryDispatcher(std::function<void()> finished)
    : m_finishedCallback(std::move(finished))
{
    std::promise<void> started;
    auto ready = started.get_future();
    m_thread = std::thread([this, &started] {
        pthread_setname_np(pthread_self(), "jf-dispatch"); // names it in top and perf
        HttpDeliveryClient http;
        {
            std::lock_guard lock(m_mutex);
            m_http = &http;
        }
        started.set_value();
        run();
        std::lock_guard lock(m_mutex);
        m_http = nullptr;
    });
    ready.wait();
}

DeliveryDispatcher::~DeliveryDispatcher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        if (m_http)
            m_http->wake();
    }
    m_thread.join();
}

void DeliveryDispatcher::send(std::vector<Job> &&jobs)
{
    if (jobs.empty())
        return;
    m_load += int(jobs.size());
    std::lock_guard lock(m_mutex);
    // Jobs already waiting mean a wake-up is on its way (the thread takes them all at once):
    // one wake per batch of jobs, not one per send.
    const bool waiting = !m_incoming.empty();
    if (!waiting)
        m_incoming = std::move(jobs);
    else
        std::move(jobs.begin(), jobs.end(), std::back_inserter(m_incoming));
    jobs.clear();
    if (m_http && !waiting)
        m_http->wake();
}

void DeliveryDispatcher::takeFinished(Finished &out)
{
    std::lock_guard lock(m_mutex);
    m_load -= int(m_finished.size());
    if (out.empty())
        out.swap(m_finished);
    else
        std::move(m_finished.begin(), m_finished.end(), std::back_inserter(out));
    m_finished.clear();
}

HttpPost DeliveryDispatcher::buildPost(const Job &job, std::uint64_t tag, qint64 nowSeconds)
{
    const DeliveryFlight &f = job.flight;
    HttpPost post;
    post.tag = tag;
    post.url = job.url;
    post.timeoutMs = job.timeoutMs;
    post.security = job.security;
    qsizetype size = 16;
    for (const auto &e : f.events)
        size += e.second.size() + 24;
    post.body.reserve(size);
    if (f.single && f.events.size() == 1) {
        appendWithVersion(post.body, f.events.front().first, f.events.front().second);
    } else {
        post.body += "{\"events\":[";
        for (std::size_t i = 0; i < f.events.size(); ++i) {
            if (i)
                post.body += ',';
            appendWithVersion(post.body, f.events[i].first, f.events[i].second);
        }
        post.body += "]}";
    }
    // One event's request carries its id; a batch is named by its first row and size.
    const QByteArray id = f.single ? f.rows.front().eventId.toUtf8()
                                   : "batch_" + QByteArray::number(f.rows.front().id) + '_' +
                                         QByteArray::number(f.eventCount());
    post.headers.reserve(3);
    post.headers << "webhook-id: " + id << "webhook-timestamp: " + QByteArray::number(nowSeconds);
    if (!job.signingKey.isEmpty())
        post.headers << "webhook-signature: " + WebhookSignature::signWithKey(
                                                    job.signingKey, id, nowSeconds, post.body);
    return post;
}

void DeliveryDispatcher::run()
{
    HttpDeliveryClient &http = *m_http;
    std::unordered_map<std::uint64_t, DeliveryFlight> flights;
    std::uint64_t nextTag = 1;
    std::vector<Job> jobs;
    std::vector<HttpResult> results;
    Finished finished;
    while (true) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping)
                return; // what is in flight stays pending in the store and is sent again
            jobs.swap(m_incoming);
        }
        const qint64 seconds = QDateTime::currentSecsSinceEpoch();
        for (Job &job : jobs) {
            const std::uint64_t tag = nextTag++;
            http.submit(buildPost(job, tag, seconds));
            flights.emplace(tag, std::move(job.flight));
        }
        jobs.clear();
        results.clear();
        http.poll(flights.empty() ? 200 : 50, results);
        if (results.empty())
            continue;
        for (HttpResult &r : results) {
            auto it = flights.find(r.tag);
            if (it == flights.end())
                continue;
            finished.emplace_back(std::move(it->second), std::move(r));
            flights.erase(it);
        }
        {
            std::lock_guard lock(m_mutex);
            if (m_finished.empty())
                m_finished.swap(finished);
            else
                std::move(finished.begin(), finished.end(), std::back_inserter(m_finished));
        }
        finished.clear();
        if (m_finishedCallback)
            m_finishedCallback();
    }
}

} // namespace jobfirst
