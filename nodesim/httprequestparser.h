// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "httpserver.h"

#include <QByteArray>
#include <QString>

namespace jobfirst::sim {

/// Reads one HTTP/1.1 request from the start of a connection's buffer. Pure (no sockets), so
/// it is fuzzed on its own. Bounded: headers ≤ 64 KiB and 100 lines, body ≤ maxBody, a
/// Content-Length of digits only, no chunked bodies.
class HttpRequestParser final
{
public:
    enum class State { Complete, Incomplete, Invalid };

    struct Parsed
    {
        State state = State::Incomplete;
        HttpRequest request;
        qsizetype consumed = 0; ///< bytes of the buffer the request took (Complete)
        bool keepAlive = true;
        QString error; ///< why it is Invalid
    };

    static constexpr qsizetype MaxHeaderBytes = 64 * 1024;
    static constexpr int MaxHeaderLines = 100;

    static Parsed parse(const QByteArray &buffer, qint64 maxBody = 64 * 1024 * 1024);
};

} // namespace jobfirst::sim
