// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace jobfirst {

/// Reads one HTTP/1.x response as its bytes arrive: the status, whether the connection may be
/// used again, and the start of the body. Bodies come by Content-Length, chunked, or up to the
/// close of the connection; 1xx answers before the real one are skipped.
class HttpResponseParser final
{
public:
    enum class State { NeedMore, Done, Failed };

    /// `keepBody`: bytes of the body kept in body(); `maxBody`: the most body read before the
    /// response fails ("larger than").
    HttpResponseParser(int keepBody, qint64 maxBody);

    /// Feeds bytes as they arrive; returns Done once the whole response is in.
    State feed(const char *data, qint64 size);
    /// The peer closed the connection: a body read "until close" ends here; anything else
    /// unfinished fails.
    State closed();

    State state() const { return m_state; }
    int status() const { return m_status; }
    /// True when the connection may carry the next request (HTTP/1.1 without "close", or 1.0
    /// with "keep-alive"), once the response is Done.
    bool reusable() const { return m_reusable; }
    /// True once any byte of a response arrived (a kept connection that closes before that
    /// may be retried on a new one).
    bool started() const { return m_started; }
    const QByteArray &body() const { return m_body; }
    qint64 bodyBytes() const { return m_bodyBytes; }
    /// Seconds from a Retry-After header given in seconds; -1 when there was none.
    qint64 retryAfterSeconds() const { return m_retryAfter; }
    /// Why the response Failed.
    const QByteArray &error() const { return m_error; }

private:
    enum class Part { StatusLine, Headers, Body, ChunkSize, ChunkData, ChunkEnd, Trailers };

    State fail(QByteArray why);
    /// The next whole line, without its CR LF: a view of `data` when the line is all there
    /// (most are: no copy), else of m_line, valid until the next call.
    bool takeLine(const char *&data, qint64 &size, QByteArrayView &line);
    State onStatusLine(QByteArrayView line);
    State onHeader(QByteArrayView line);
    State onHeadersEnd();
    State onBody(const char *&data, qint64 &size, qint64 available);
    State onChunkSize(QByteArrayView line);
    State finish();

    int m_keepBody;
    qint64 m_maxBody;
    State m_state = State::NeedMore;
    Part m_part = Part::StatusLine;
    QByteArray m_line;        ///< a line that came in parts
    bool m_lineTaken = false; ///< m_line was handed out whole: emptied at the next call
    qint64 m_headerBytes = 0;
    int m_status = 0;
    bool m_http10 = false;
    bool m_closeSaid = false;
    bool m_keepAliveSaid = false;
    bool m_chunked = false;
    qint64 m_contentLength = -1;
    qint64 m_remaining = 0; ///< of the body (Content-Length) or of the chunk
    bool m_untilClose = false;
    bool m_reusable = false;
    bool m_started = false;
    QByteArray m_body;
    qint64 m_bodyBytes = 0;
    qint64 m_retryAfter = -1;
    QByteArray m_error;
};

} // namespace jobfirst
