// SPDX-License-Identifier: GPL-3.0-or-later
#include "requestframer.h"

#include <QUrl>

#include <algorithm>
#include <limits>

namespace jobfirst {

namespace {

/// Enough of what the client sent to recognise it, printable (other bytes as \xNN).
QString shown(QByteArrayView bytes)
{
    constexpr qsizetype Most = 60;
    QString text;
    for (const char c : bytes.first(std::min(bytes.size(), Most))) {
        const auto u = uchar(c);
        text += u >= 0x20 && u < 0x7f ? QString(QChar(u))
                                      : QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
    }
    return bytes.size() > Most ? text + QStringLiteral("...") : text;
}

bool isTokenChar(char c)
{
    const auto u = uchar(c);
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

bool isControl(char c)
{
    const auto u = uchar(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
}

bool isDigits(QByteArrayView text)
{
    return !text.isEmpty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

RequestRefusal badRequest(const char *code, const QString &message)
{
    return {400, QString::fromLatin1(code), message};
}

/// One line of the head without its line end (CRLF, or a bare LF as QHttpServer accepts).
QByteArrayView nextLine(QByteArrayView &text)
{
    qsizetype end = text.indexOf('\n');
    if (end < 0)
        end = text.size();
    QByteArrayView line = text.first(end);
    text = text.sliced(std::min(end + 1, text.size()));
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

struct RequestLine
{
    QByteArrayView method;
    QByteArrayView target;
    bool http11 = true;
};

std::optional<RequestRefusal> checkRequestLine(QByteArrayView line, RequestLine *out)
{
    const qsizetype first = line.indexOf(' ');
    const qsizetype second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    const auto malformed =
        badRequest("http.request_line",
                   QStringLiteral("the request line must be METHOD TARGET HTTP/1.1, not \"%1\"")
                       .arg(shown(line)));
    if (second < 0 || line.indexOf(' ', second + 1) >= 0)
        return malformed;
    out->method = line.first(first);
    out->target = line.sliced(first + 1, second - first - 1);
    const QByteArrayView version = line.sliced(second + 1);
    if (!isToken(out->method) || out->target.isEmpty())
        return malformed;
    if (std::any_of(out->target.begin(), out->target.end(), isControl))
        return badRequest("http.request_line",
                          QStringLiteral("the request target \"%1\" holds a control character")
                              .arg(shown(out->target)));
    if (version == "HTTP/1.1" || version == "HTTP/1.0") {
        out->http11 = version == "HTTP/1.1";
        return std::nullopt;
    }
    if (version.size() == 8 && version.startsWith("HTTP/") && version[6] == '.')
        return RequestRefusal{
            505, QStringLiteral("http.version"),
            QStringLiteral("%1 is not spoken here; use HTTP/1.1").arg(shown(version))};
    return malformed;
}

/// What the head says about the body and the host, header by header.
struct FramingHeaders
{
    QList<QByteArrayView> contentLengths;
    QByteArray transferEncoding;
    int hosts = 0;
};

/// What a refusal may quote of a header line: what comes before its first colon or space, so
/// that no header's value (an Authorization, say) reaches the answer or the log.
QString headerName(QByteArrayView line)
{
    qsizetype end = 0;
    while (end < line.size() && line[end] != ':' && line[end] != ' ')
        ++end;
    return shown(line.first(end));
}

std::optional<RequestRefusal> checkHeaderLine(QByteArrayView line, int number,
                                              FramingHeaders *framing)
{
    if (line.startsWith(' ') || line.startsWith('\t'))
        return badRequest("http.header",
                          QStringLiteral("header line %1 starts with whitespace (folded header "
                                         "lines are not accepted)")
                              .arg(number));
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView name = line.first(std::max<qsizetype>(colon, 0));
    if (!isToken(name))
        return badRequest("http.header",
                          QStringLiteral("header line %1 must be NAME: VALUE; it begins \"%2\"")
                              .arg(number)
                              .arg(headerName(line)));
    const QByteArrayView value = line.sliced(colon + 1).trimmed();
    if (std::any_of(value.begin(), value.end(), isControl))
        return badRequest("http.header",
                          QStringLiteral("header %1 holds a control character").arg(shown(name)));
    if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
        framing->contentLengths.append(value);
    else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0)
        framing->transferEncoding +=
            (framing->transferEncoding.isEmpty() ? "" : ",") + value.toByteArray();
    else if (name.compare("Host", Qt::CaseInsensitive) == 0)
        ++framing->hosts;
    return std::nullopt;
}

/// Transfer-Encoding: a body whose length only its chunks tell is refused (411), see docs/api.md.
std::optional<RequestRefusal> checkTransferEncoding(const FramingHeaders &framing)
{
    if (framing.transferEncoding.isEmpty())
        return std::nullopt;
    if (!framing.contentLengths.isEmpty())
        return badRequest("http.framing",
                          QStringLiteral("a request may not carry both Transfer-Encoding and "
                                         "Content-Length: its length would be ambiguous"));
    const QByteArray last = framing.transferEncoding.split(',').constLast().trimmed().toLower();
    if (last != "chunked")
        return badRequest("http.transfer_encoding",
                          QStringLiteral("Transfer-Encoding \"%1\" does not end in chunked: the "
                                         "body's length cannot be known")
                              .arg(shown(framing.transferEncoding)));
    return RequestRefusal{411, QStringLiteral("http.length_required"),
                          QStringLiteral("send the body with a Content-Length: chunked request "
                                         "bodies are not accepted")};
}

/// The one Content-Length the head gives (0 without one), or why it is not one.
std::optional<RequestRefusal> contentLength(const FramingHeaders &framing, QByteArrayView *digits)
{
    *digits = "0";
    for (const QByteArrayView value : framing.contentLengths) {
        if (!isDigits(value))
            return badRequest(
                "http.content_length",
                QStringLiteral("Content-Length must be a whole number of bytes, not \"%1\"")
                    .arg(shown(value)));
        if (value != framing.contentLengths.first())
            return badRequest(
                "http.content_length",
                QStringLiteral("the request gives two different Content-Lengths, %1 and %2")
                    .arg(shown(framing.contentLengths.first()), shown(value)));
    }
    if (!framing.contentLengths.isEmpty())
        *digits = framing.contentLengths.first();
    return std::nullopt;
}

/// The body's length (`digits`) when the route of `request` takes that much, else the 413.
std::optional<RequestRefusal> checkBodyLength(const RequestLine &request, QByteArrayView digits,
                                              const BodyLimit &bodyLimit, qint64 *length)
{
    const QString path = QUrl::fromEncoded(request.target.toByteArray()).path();
    const qint64 limit =
        bodyLimit ? bodyLimit(request.method, path) : std::numeric_limits<qint64>::max();
    bool fits = false;
    *length = digits.toLongLong(&fits);
    if (fits && *length <= limit)
        return std::nullopt;
    return RequestRefusal{413, QStringLiteral("http.too_large"),
                          QStringLiteral("the body is %1 bytes; %2 %3 takes at most %4 bytes")
                              .arg(shown(digits), shown(request.method), path)
                              .arg(limit)};
}

/// Where the head in `head` ends (just after its empty line: CRLF CRLF, or a bare LF on either
/// side), looking from `from`; -1 while it has not ended.
qsizetype headEnd(const QByteArray &head, qsizetype from)
{
    const qsizetype lf = head.indexOf("\n\n", from);
    const qsizetype crlf = head.indexOf("\n\r\n", from);
    if (crlf >= 0 && (lf < 0 || crlf < lf))
        return crlf + 3;
    return lf < 0 ? -1 : lf + 2;
}

} // namespace

RequestFramer::RequestFramer(BodyLimit limit) : m_limit(std::move(limit)) {}

std::optional<RequestRefusal> RequestFramer::feed(QByteArrayView bytes)
{
    while (!m_refused && !bytes.isEmpty()) {
        if (m_bodyLeft > 0) {
            const qint64 body = std::min<qint64>(m_bodyLeft, bytes.size());
            m_bodyLeft -= body;
            m_bytesAccepted += body;
            bytes = bytes.sliced(body);
            continue;
        }
        if (auto refusal = takeHeadBytes(bytes)) {
            m_refused = true;
            return refusal;
        }
    }
    return std::nullopt;
}

std::optional<RequestRefusal> RequestFramer::takeHeadBytes(QByteArrayView &bytes)
{
    // Empty lines before a request line are skipped, as RFC 9112 section 2.2 allows.
    while (m_head.isEmpty() && !bytes.isEmpty() &&
           (bytes.front() == '\r' || bytes.front() == '\n')) {
        bytes = bytes.sliced(1);
        ++m_bytesAccepted;
    }
    if (bytes.isEmpty())
        return std::nullopt;
    const qsizetype before = m_head.size();
    const qsizetype room = MaxHeadBytes + 3 - before;
    m_head.append(bytes.first(std::min(room, bytes.size())));
    // Its end may begin in the bytes held before (2 at most).
    const qsizetype end = headEnd(m_head, std::max<qsizetype>(before - 2, 0));
    if (end < 0 || end > MaxHeadBytes) {
        bytes = {};
        if (m_head.size() <= MaxHeadBytes)
            return std::nullopt;
        return RequestRefusal{431, QStringLiteral("http.head_too_large"),
                              QStringLiteral("the request line and headers are larger than %1 KiB")
                                  .arg(MaxHeadBytes / 1024)};
    }
    bytes = bytes.sliced(end - before);
    const QByteArray head = std::exchange(m_head, {});
    return checkHead(QByteArrayView(head).first(end));
}

std::optional<RequestRefusal> RequestFramer::checkHead(QByteArrayView head)
{
    const qsizetype headBytes = head.size();
    RequestLine request;
    if (auto refusal = checkRequestLine(nextLine(head), &request))
        return refusal;
    FramingHeaders framing;
    int number = 0;
    for (QByteArrayView line = nextLine(head); !line.isEmpty(); line = nextLine(head))
        if (auto refusal = checkHeaderLine(line, ++number, &framing))
            return refusal;
    if (framing.hosts > 1 || (framing.hosts == 0 && request.http11))
        return badRequest("http.host",
                          QStringLiteral("an HTTP/1.1 request carries one Host header, not %1")
                              .arg(framing.hosts));
    if (auto refusal = checkTransferEncoding(framing))
        return refusal;
    QByteArrayView digits;
    if (auto refusal = contentLength(framing, &digits))
        return refusal;
    qint64 length = 0;
    if (auto refusal = checkBodyLength(request, digits, m_limit, &length))
        return refusal;
    m_bodyLeft = length;
    m_bodyLength = length;
    ++m_headsAccepted;
    m_bytesAccepted += headBytes;
    return std::nullopt;
}

} // namespace jobfirst
