// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/apitransport.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QTimer>

namespace jobfirst {

namespace {
constexpr int MaxBackoffMs = 10000;
/// The server writes at least a keep-alive comment this often; silence for longer means the
/// peer is gone even if no error arrived (a host that vanished without closing).
constexpr int StreamSilenceMs = 15000;
constexpr qsizetype MaxPendingStreamBytes = 64 * 1024 * 1024;

/// Qt's words for an error it knows nothing of (QIODevice's default), in any language.
bool saysNothing(const QString &errorString)
{
    return errorString.isEmpty() || errorString == QLatin1String("Unknown error") ||
           errorString == QCoreApplication::translate("QIODevice", "Unknown error");
}

/// What jobfirstd says under `key` of `answer`: its sentence where it sent one saying the same
/// (a console words it in its language), else the words as they came.
Sentence wordsOf(const QJsonObject &answer, const QString &key)
{
    const QString message = answer.value(key).toString();
    const Sentence sentence = Sentence::fromJson(answer.value(QStringLiteral("sentence")));
    return !sentence.isEmpty() && sentence.english() == message ? sentence : Sentence(message);
}
} // namespace

ApiTransport::ApiTransport(RemoteOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_nam(new QNetworkAccessManager(this)),
      m_ssl(QSslConfiguration::defaultConfiguration()), m_reconnect(new QTimer(this)), m_silence(new QTimer(this))
{
    if (!m_options.caFile.isEmpty()) {
        QList<QSslCertificate> cas = m_ssl.caCertificates();
        cas += QSslCertificate::fromPath(m_options.caFile, QSsl::Pem);
        m_ssl.setCaCertificates(cas);
    }
    m_reconnect->setSingleShot(true);
    connect(m_reconnect, &QTimer::timeout, this, [this] { openStream(m_streamInterval); });
    m_silence->setSingleShot(true);
    m_silence->setInterval(StreamSilenceMs);
    connect(m_silence, &QTimer::timeout, this, [this] {
        if (m_stream)
            m_stream->abort(); // finished() follows and reconnects
    });
}

ApiTransport::~ApiTransport()
{
    m_streamWanted = false;
    if (m_stream)
        m_stream->abort();
}

QNetworkReply *ApiTransport::start(const ApiRequest &r)
{
    QUrl url = m_options.server;
    url.setPath(r.path);
    url.setQuery(r.query);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + m_options.token);
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(r.timeoutMs);
    request.setSslConfiguration(m_ssl);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (!r.uploadFile.isEmpty()) {
        auto *file = new QFile(r.uploadFile);
        if (!file->open(QIODevice::ReadOnly)) {
            delete file;
            return nullptr;
        }
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/octet-stream"));
        request.setHeader(QNetworkRequest::ContentLengthHeader, file->size());
        QNetworkReply *reply = m_nam->sendCustomRequest(request, r.method, file);
        file->setParent(reply);
        return reply;
    }
    if (!r.body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    return m_nam->sendCustomRequest(request, r.method, r.body);
}

void ApiTransport::send(const ApiRequest &request, Answer answer)
{
    QNetworkReply *reply = start(request);
    if (!reply) {
        answer(makeError(
            QStringLiteral("file.unreadable"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot read %1"), {request.uploadFile})));
        return;
    }
    auto progress = std::make_shared<CallProgress>();
    progress->timeoutMs = request.timeoutMs;
    connect(reply, &QNetworkReply::uploadProgress, this, [progress](qint64 sent, qint64 total) {
        if (total <= 0)
            return; // Qt's (0, 0) when the connection failed: how far it got is kept
        progress->sent = sent;
        progress->total = total;
    });
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, progress, answer = std::move(answer)] {
                finish(reply, answer, *progress);
            });
}

Sentence ApiTransport::describe(QNetworkReply *reply, const CallProgress &progress) const
{
    return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot reach the engine at %1: %2"),
                    {m_options.server.toString(), failure(reply, progress)});
}

Sentence ApiTransport::failure(QNetworkReply *reply, const CallProgress &progress) const
{
    // Qt's own words (reply->errorString()) are values: they come in the system's language.
    switch (reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "connection refused"));
    case QNetworkReply::RemoteHostClosedError:
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                          "the server closed the connection without answering"));
    case QNetworkReply::OperationCanceledError: // the transfer timeout's abort
    case QNetworkReply::TimeoutError:
        if (progress.timeoutMs > 0)
            return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "timed out after %1 s"),
                            {QString::number(progress.timeoutMs / 1000.0)});
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "timed out"));
    case QNetworkReply::SslHandshakeFailedError:
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "TLS handshake failed: %1"),
                        {reply->errorString()});
    case QNetworkReply::UnknownNetworkError:
        // Qt files every socket error it has no code for here: a reset says only Qt's generic
        // "Unknown error", while "Network unreachable" or "No route to host" say themselves.
        if (!saysNothing(reply->errorString()))
            return reply->errorString();
        // Qt reads no answer while it is still sending a body: one the server sent before
        // closing (a refusal of the upload, say) is lost with the connection.
        if (progress.sent > 0 && progress.sent < progress.total)
            return Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                              "connection reset by the server while the request "
                                              "was sent (%1 of %2 bytes); it may have refused it"),
                            {Sentence::value(progress.sent), Sentence::value(progress.total)});
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "connection reset by the server"));
    default:
        return reply->errorString();
    }
}

Sentence ApiTransport::unexplained(int status, const QString &path) const
{
    // jobfirstd names what went wrong in "error": an answer without it came from something
    // else (another server at that address, a wrong path, a proxy) or an older jobfirstd.
    return Sentence(
        QT_TRANSLATE_NOOP("EngineSentence",
                          "the server at %1 answered HTTP %2 for %3 without saying why: %4"),
        {m_options.server.toString(), Sentence::value(status), path,
         status == 404 ? Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "not a jobfirstd admin API, or an older one"))
                       : Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "not an answer of a jobfirstd admin API (a "
                                                    "proxy or another server in between?)"))});
}

void ApiTransport::finish(QNetworkReply *reply, const Answer &answer,
                          const CallProgress &progress)
{
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    Result<QJsonValue> result;
    if (status == 0) {
        result = makeError(QStringLiteral("remote.unreachable"), describe(reply, progress));
    } else {
        QJsonParseError pe;
        const QJsonDocument doc = body.isEmpty() ? QJsonDocument(QJsonObject()) : QJsonDocument::fromJson(body, &pe);
        if (!body.isEmpty() && pe.error != QJsonParseError::NoError) {
            result = makeError(QStringLiteral("remote.bad_answer"),
                               notJson(reply, status, pe));
        } else if (status >= 400) {
            // The server's own words, also when it closed the connection after them.
            const QJsonObject o = doc.object();
            const QString code = o.value(QStringLiteral("code")).toString(QStringLiteral("http.%1").arg(status));
            result = makeError(code, refusal(o, status, reply->url().path()));
        } else {
            result = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
        }
    }
    answer(result);
}

Sentence ApiTransport::refusal(const QJsonObject &answer, int status, const QString &path) const
{
    if (answer.value(QStringLiteral("error")).toString().isEmpty())
        return unexplained(status, path);
    return wordsOf(answer, QStringLiteral("error"));
}

Sentence ApiTransport::notJson(QNetworkReply *reply, int status, const QJsonParseError &error) const
{
    // Qt flags an HTTP error status as the reply's error too (ContentAccessDenied and up): only
    // the network's and the proxy's errors below it mean the answer was cut off.
    if (reply->error() != QNetworkReply::NoError &&
        reply->error() < QNetworkReply::ContentAccessDenied)
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                          "the engine at %1 answered HTTP %2, and the connection "
                                          "ended before the whole answer came"),
                        {m_options.server.toString(), Sentence::value(status)});
    return Sentence(
        QT_TRANSLATE_NOOP("EngineSentence", "the engine at %1 answered HTTP %2 with "
                                            "something that is not JSON (%3)"),
        {m_options.server.toString(), Sentence::value(status), jsonSyntaxSentence(error)});
}

void ApiTransport::openStream(int intervalMs)
{
    m_streamWanted = true;
    m_streamInterval = intervalMs;
    if (m_stream) {
        QNetworkReply *old = std::exchange(m_stream, nullptr);
        old->disconnect(this);
        old->abort();
        old->deleteLater();
    }
    m_parser = EventStreamParser();
    m_streamAbortedFor = {};
    ApiRequest r;
    r.path = QStringLiteral("/api/v1/stream");
    r.query.addQueryItem(QStringLiteral("interval_ms"), QString::number(intervalMs));
    r.timeoutMs = 0;
    QNetworkReply *reply = start(r);
    m_stream = reply;
    m_silence->start();
    connect(reply, &QNetworkReply::readyRead, this, [this, reply] {
        if (reply != m_stream)
            return;
        m_silence->start();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status != 200)
            return; // the error body arrives with finished()
        if (!m_streamUp) {
            m_streamUp = true;
            m_backoffMs = 500;
            m_failedAttempts = 0;
            emit streamState(true, Sentence());
        }
        for (const StreamEvent &e : m_parser.feed(reply->readAll())) {
            if (e.event == "revoked") // the engine ends the stream next
                m_revoked =
                    wordsOf(QJsonDocument::fromJson(e.data).object(), QStringLiteral("message"));
            emit streamEvent(e.event, e.data);
        }
        if (m_parser.pending() > MaxPendingStreamBytes) {
            m_streamAbortedFor =
                Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                           "the engine at %1 sent an event over %2 MiB that did "
                                           "not end"),
                         {m_options.server.toString(),
                          Sentence::value(MaxPendingStreamBytes / (1024 * 1024))});
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (reply != m_stream)
            return;
        m_stream = nullptr;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString server = m_options.server.toString();
        Sentence reason = describe(reply, CallProgress{StreamSilenceMs});
        if (!m_streamAbortedFor.isEmpty()) {
            reason = std::exchange(m_streamAbortedFor, {});
        } else if (status >= 400) {
            const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
            reason = Sentence(
                QT_TRANSLATE_NOOP("EngineSentence", "the engine at %1 refused the stream: %2"),
                {server, refusal(o, status, reply->url().path())});
        } else if (!m_revoked.isEmpty()) {
            // Its token will not work again: no reconnecting (each try would be refused).
            reason = Sentence(
                QT_TRANSLATE_NOOP("EngineSentence", "the engine at %1 ended the stream: %2"),
                {server, std::exchange(m_revoked, {})});
            m_streamWanted = false;
        } else if (status == 200 && reply->error() == QNetworkReply::NoError) {
            reason =
                Sentence(QT_TRANSLATE_NOOP("EngineSentence", "the engine at %1 closed the stream"),
                         {server});
        }
        streamLost(reason);
    });
}

void ApiTransport::streamLost(const Sentence &reason)
{
    m_silence->stop();
    const bool wasUp = std::exchange(m_streamUp, false);
    if (wasUp || m_backoffMs == 500)
        emit streamState(false, reason);
    if (!m_streamWanted)
        return;
    // Each failed try is told with its own cause: the first cause ("closed the stream") stayed
    // on the console's banner for a whole outage, while every later try was refused.
    m_failedAttempts = wasUp ? 0 : m_failedAttempts + 1;
    emit reconnectScheduled(reason, m_failedAttempts,
                            QDateTime::currentMSecsSinceEpoch() + m_backoffMs);
    m_reconnect->start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, MaxBackoffMs);
}

void ApiTransport::closeStream()
{
    m_streamWanted = false;
    m_reconnect->stop();
    m_silence->stop();
    if (m_stream) {
        QNetworkReply *old = std::exchange(m_stream, nullptr);
        old->disconnect(this);
        old->abort();
        old->deleteLater();
    }
    m_streamUp = false;
    m_failedAttempts = 0;
}

} // namespace jobfirst
