// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/httpresponseparser.h"

#include <algorithm>

namespace jobfirst {

namespace {

constexpr qint64 MaxHeaderBytes = 64 * 1024;

char lowered(char c)
{
    return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c;
}

/// `text` is `lower` in any case (compared here: qstrnicmp's call cost more than the bytes).
bool sameIgnoringCase(QByteArrayView text, QByteArrayView lower)
{
    if (text.size() != lower.size())
        return false;
    for (qsizetype i = 0; i < text.size(); ++i)
        if (lowered(text[i]) != lower[i])
            return false;
    return true;
}

/// `value` holds `word` (lower case), in any case.
bool holds(QByteArrayView value, QByteArrayView word)
{
    for (qsizetype i = 0; i + word.size() <= value.size(); ++i)
        if (lowered(value[i]) == word[0] && sameIgnoringCase(value.sliced(i, word.size()), word))
            return true;
    return false;
}

/// `line` without its line end (CR LF, or a bare LF).
QByteArrayView withoutLineEnd(QByteArrayView line)
{
    return line.chopped(line.endsWith("\r\n") ? 2 : 1);
}

} // namespace

HttpResponseParser::HttpResponseParser(int keepBody, qint64 maxBody)
    : m_keepBody(keepBody), m_maxBody(maxBody)
{
}

HttpResponseParser::State HttpResponseParser::fail(QByteArray why)
{
    m_error = std::move(why);
    m_state = State::Failed;
    return m_state;
}

bool HttpResponseParser::takeLine(const char *&data, qint64 &size, QByteArrayView &line)
{
    if (m_lineTaken) {
        m_line.resize(0);
        m_lineTaken = false;
    }
    const char *end = static_cast<const char *>(memchr(data, '\n', size_t(size)));
    const qint64 n = end ? end - data + 1 : size;
    m_headerBytes += n;
    if (end && m_line.isEmpty()) {
        // The whole line is in this read: parsed where it lies (every line used to be
        // copied twice, a good part of a delivery's dispatcher time).
        line = withoutLineEnd(QByteArrayView(data, n));
        data += n;
        size -= n;
        return true;
    }
    m_line.append(data, n);
    data += n;
    size -= n;
    if (!end)
        return false;
    line = withoutLineEnd(m_line);
    m_lineTaken = true;
    return true;
}

HttpResponseParser::State HttpResponseParser::feed(const char *data, qint64 size)
{
    if (size > 0)
        m_started = true;
    while (m_state == State::NeedMore && size > 0) {
        if (m_part == Part::Body || m_part == Part::ChunkData) {
            onBody(data, size, m_untilClose ? size : std::min(size, m_remaining));
            continue;
        }
        QByteArrayView line;
        if (!takeLine(data, size, line)) {
            if (m_headerBytes > MaxHeaderBytes)
                return fail("response headers larger than 65536 bytes");
            break;
        }
        if (m_headerBytes > MaxHeaderBytes)
            return fail("response headers larger than 65536 bytes");
        switch (m_part) {
        case Part::StatusLine:
            onStatusLine(line);
            break;
        case Part::Headers:
            line.isEmpty() ? onHeadersEnd() : onHeader(line);
            break;
        case Part::ChunkSize:
            onChunkSize(line);
            break;
        case Part::ChunkEnd:
            if (!line.isEmpty())
                return fail("malformed chunked body: no line end after a chunk");
            m_part = Part::ChunkSize;
            break;
        case Part::Trailers:
            if (line.isEmpty())
                finish();
            break;
        case Part::Body:
        case Part::ChunkData:
            break;
        }
        if (m_part != Part::StatusLine && m_part != Part::Headers)
            m_headerBytes = 0; // the limit is on the header section, then on each chunk line
    }
    if (m_state == State::Done && size > 0)
        m_reusable = false; // bytes nobody asked for: the connection is out of step
    return m_state;
}

HttpResponseParser::State HttpResponseParser::closed()
{
    if (m_state != State::NeedMore)
        return m_state;
    if (m_part == Part::Body && m_untilClose) {
        m_reusable = false;
        m_state = State::Done;
        return m_state;
    }
    return fail(m_started ? "connection closed before the response was complete"
                          : "connection closed before any response");
}

HttpResponseParser::State HttpResponseParser::onStatusLine(QByteArrayView line)
{
    // "HTTP/1.1 200 OK"
    if (!line.startsWith("HTTP/1.") || line.size() < 12 || line[8] != ' ')
        return fail("malformed status line");
    // Three digits, the first not 0 (what toInt() accepted in 100..999, without its call).
    int status = 0;
    for (const char c : line.sliced(9, 3)) {
        if (c < '0' || c > '9')
            return fail("malformed status line");
        status = status * 10 + (c - '0');
    }
    if (status < 100)
        return fail("malformed status line");
    m_status = status;
    m_http10 = line[7] == '0';
    m_part = Part::Headers;
    return m_state;
}

HttpResponseParser::State HttpResponseParser::onHeader(QByteArrayView line)
{
    // Every header line of every response passes here, and only four names matter: each line
    // is split once, told apart by its name's length, and read where it lies (a lower-cased
    // copy of each value, and a search per name asked for, were a fifth of a delivery's
    // dispatcher time).
    const qsizetype colon = line.indexOf(':');
    if (colon < 0)
        return m_state;
    const QByteArrayView name = line.first(colon).trimmed();
    const QByteArrayView value = line.sliced(colon + 1).trimmed();
    switch (name.size()) {
    case 14:
        if (sameIgnoringCase(name, "content-length")) {
            bool ok = false;
            m_contentLength = value.toLongLong(&ok);
            if (!ok || m_contentLength < 0)
                return fail("malformed Content-Length");
        }
        break;
    case 17:
        if (sameIgnoringCase(name, "transfer-encoding"))
            m_chunked = value.size() >= 7 && sameIgnoringCase(value.last(7), "chunked");
        break;
    case 10:
        if (sameIgnoringCase(name, "connection")) {
            m_closeSaid = holds(value, "close");
            m_keepAliveSaid = holds(value, "keep-alive");
        }
        break;
    case 11:
        if (sameIgnoringCase(name, "retry-after")) {
            bool ok = false;
            const qint64 seconds = value.toLongLong(&ok);
            if (ok && seconds >= 0)
                m_retryAfter = seconds;
        }
        break;
    default:
        break;
    }
    return m_state;
}

HttpResponseParser::State HttpResponseParser::onHeadersEnd()
{
    if (m_status < 200) { // 100 Continue and the like: the real answer follows
        m_status = 0;
        m_chunked = m_closeSaid = m_keepAliveSaid = false;
        m_contentLength = -1;
        m_part = Part::StatusLine;
        return m_state;
    }
    m_reusable = m_http10 ? m_keepAliveSaid && !m_closeSaid : !m_closeSaid;
    if (m_status == 204 || m_status == 304)
        return finish();
    if (m_chunked) {
        m_part = Part::ChunkSize;
        return m_state;
    }
    if (m_contentLength >= 0) {
        if (m_contentLength > m_maxBody)
            return fail("response body larger than " + QByteArray::number(m_maxBody) +
                        " bytes: stopped reading");
        m_remaining = m_contentLength;
        m_part = Part::Body;
        return m_remaining == 0 ? finish() : m_state;
    }
    m_untilClose = true;
    m_part = Part::Body;
    return m_state;
}

HttpResponseParser::State HttpResponseParser::onBody(const char *&data, qint64 &size,
                                                     qint64 available)
{
    if (m_bodyBytes + available > m_maxBody)
        return fail("response body larger than " + QByteArray::number(m_maxBody) +
                    " bytes: stopped reading");
    const qint64 keep = std::min<qint64>(available, m_keepBody - m_body.size());
    if (keep > 0)
        m_body.append(data, keep);
    m_bodyBytes += available;
    data += available;
    size -= available;
    if (m_untilClose)
        return m_state;
    m_remaining -= available;
    if (m_remaining > 0)
        return m_state;
    if (m_part == Part::ChunkData) {
        m_part = Part::ChunkEnd;
        return m_state;
    }
    return finish();
}

HttpResponseParser::State HttpResponseParser::onChunkSize(QByteArrayView line)
{
    const qsizetype semicolon = line.indexOf(';'); // chunk extensions are ignored
    bool ok = false;
    const qint64 n =
        line.first(semicolon < 0 ? line.size() : semicolon).trimmed().toLongLong(&ok, 16);
    if (!ok || n < 0)
        return fail("malformed chunked body: bad chunk size");
    if (n == 0) {
        m_part = Part::Trailers;
        return m_state;
    }
    m_remaining = n;
    m_part = Part::ChunkData;
    return m_state;
}

HttpResponseParser::State HttpResponseParser::finish()
{
    m_state = State::Done;
    return m_state;
}

} // namespace jobfirst
