// SPDX-License-Identifier: GPL-3.0-or-later
// nodesim's HTTP request parsing: never reads past the buffer, consumes what it says, and a
// complete request's body is exactly its Content-Length.
#include "httprequestparser.h"

#include <cstdint>
#include <cstdlib>

using namespace jobfirst::sim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    QByteArray buffer(reinterpret_cast<const char *>(data), qsizetype(size));
    // Pipelined requests: parse until the buffer is used up or a request is incomplete.
    for (int i = 0; i < 64; ++i) {
        const auto parsed = HttpRequestParser::parse(buffer, 1024 * 1024);
        if (parsed.state != HttpRequestParser::State::Complete)
            break;
        if (parsed.consumed <= 0 || parsed.consumed > buffer.size())
            std::abort();
        const QByteArray length = parsed.request.headers.value("content-length", "0");
        if (parsed.request.body.size() != length.toLongLong())
            std::abort();
        if (!parsed.request.path.startsWith('/'))
            std::abort();
        buffer.remove(0, parsed.consumed);
    }
    return 0;
}
