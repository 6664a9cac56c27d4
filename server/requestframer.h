// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <functional>
#include <optional>

namespace jobfirst {

/// Why a request is refused before the HTTP server sees it: the status, the API's error code
/// and a message that names what is wrong.
struct RequestRefusal
{
    int status = 400;
    QString code;
    QString message;
};

/// The most body a request for METHOD PATH may carry (the route's limit).
using BodyLimit = std::function<qint64(QByteArrayView method, const QString &path)>;

/// Follows the requests on one connection as their bytes arrive, and checks each head before
/// the HTTP server parses it: a request line of METHOD TARGET HTTP/1.x, well-formed headers,
/// one Host, a Content-Length that is one whole number within the route's limit, and no
/// Transfer-Encoding (a body must come with a Content-Length). Bodies are counted, not read.
/// The rules are those of RFC 9112 where a proxy such as HAProxy or Envoy enforces them.
class RequestFramer final
{
public:
    static constexpr qsizetype MaxHeadBytes = 64 * 1024;

    explicit RequestFramer(BodyLimit limit);

    /// Takes the next bytes the client sent; answers the refusal of the first request that
    /// breaks a rule (the framer then stops: nothing after it is looked at).
    std::optional<RequestRefusal> feed(QByteArrayView bytes);
    /// Whether the bytes still to come belong to a body, and how many of them.
    qint64 bodyLeft() const { return m_bodyLeft; }
    /// The Content-Length of the last request whose head was accepted.
    qint64 bodyLength() const { return m_bodyLength; }
    /// The bytes of a head that has begun and is not complete yet: the last ones fed, held
    /// back until the head is checked (a head timeout watches them).
    qsizetype headBytesHeld() const { return m_head.size(); }
    /// How many request heads were complete and accepted so far.
    qint64 headsAccepted() const { return m_headsAccepted; }
    /// How many requests were accepted with their whole body.
    qint64 requestsComplete() const { return m_headsAccepted - (m_bodyLeft > 0 ? 1 : 0); }
    /// How many of the bytes fed belong to accepted requests (heads and bodies, and the empty
    /// lines before them), from the first: what may be passed on, even after a refusal.
    qint64 bytesAccepted() const { return m_bytesAccepted; }

private:
    std::optional<RequestRefusal> takeHeadBytes(QByteArrayView &bytes);
    std::optional<RequestRefusal> checkHead(QByteArrayView head);

    BodyLimit m_limit;
    QByteArray m_head; ///< the current head so far (leading empty lines skipped)
    qint64 m_bodyLeft = 0;
    qint64 m_bodyLength = 0;
    qint64 m_headsAccepted = 0;
    qint64 m_bytesAccepted = 0;
    bool m_refused = false;
};

} // namespace jobfirst
