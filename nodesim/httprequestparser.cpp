// SPDX-License-Identifier: GPL-3.0-or-later
#include "httprequestparser.h"

namespace jobfirst::sim {

namespace {

HttpRequestParser::Parsed invalid(const QString &why)
{
    HttpRequestParser::Parsed p;
    p.state = HttpRequestParser::State::Invalid;
    p.error = why;
    return p;
}

bool allDigits(const QByteArray &s)
{
    if (s.isEmpty() || s.size() > 18)
        return false;
    for (const char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

} // namespace

HttpRequestParser::Parsed HttpRequestParser::parse(const QByteArray &buffer, qint64 maxBody)
{
    Parsed p;
    const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
        if (buffer.size() > MaxHeaderBytes)
            return invalid(QStringLiteral("headers longer than %1 bytes").arg(MaxHeaderBytes));
        return p; // Incomplete
    }
    if (headerEnd > MaxHeaderBytes)
        return invalid(QStringLiteral("headers longer than %1 bytes").arg(MaxHeaderBytes));
    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
    if (lines.size() > MaxHeaderLines + 1)
        return invalid(QStringLiteral("more than %1 header lines").arg(MaxHeaderLines));
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() != 3 || requestLine.at(0).isEmpty() ||
        !requestLine.at(1).startsWith('/') || !requestLine.at(2).startsWith("HTTP/1."))
        return invalid(QStringLiteral("malformed request line"));
    HttpRequest &request = p.request;
    request.method = requestLine.at(0);
    const QByteArray target = requestLine.at(1);
    const qsizetype q = target.indexOf('?');
    request.path = q < 0 ? target : target.left(q);
    request.query = q < 0 ? QByteArray() : target.mid(q + 1);
    for (int i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).endsWith('\r') ? lines.at(i).chopped(1) : lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || line.contains('\r'))
            return invalid(QStringLiteral("malformed header line %1").arg(i));
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length" && request.headers.contains(name) &&
            request.headers.value(name) != value)
            return invalid(QStringLiteral("two different Content-Length headers"));
        request.headers.insert(name, value);
    }
    if (request.headers.contains("transfer-encoding"))
        return invalid(QStringLiteral("Transfer-Encoding is not supported"));
    qint64 length = 0;
    if (request.headers.contains("content-length")) {
        const QByteArray text = request.headers.value("content-length");
        if (!allDigits(text))
            return invalid(QStringLiteral("Content-Length is not a number"));
        length = text.toLongLong();
        if (length > maxBody)
            return invalid(QStringLiteral("body larger than %1 bytes").arg(maxBody));
    }
    if (buffer.size() < headerEnd + 4 + length)
        return p; // Incomplete: wait for the rest of the body
    request.body = buffer.mid(headerEnd + 4, length);
    p.consumed = headerEnd + 4 + length;
    const QByteArray connection = request.headers.value("connection").toLower();
    p.keepAlive =
        requestLine.at(2) == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";
    p.state = State::Complete;
    return p;
}

} // namespace jobfirst::sim
