// SPDX-License-Identifier: GPL-3.0-or-later
// Event JSON (one line of `sync batch` input): accepted events have printable, bounded ids
// and a payload that is valid JSON again.
#include "sync/eventfilereader.h"

#include <QJsonDocument>

#include <cstdint>
#include <cstdlib>

using namespace jobfirst;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray line(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto event = EventFileReader::parseLine(line);
    if (!event)
        return 0;
    if (!event->validate().ok() || !idProblem(event->userId).isEmpty() || !idProblem(event->eventId).isEmpty())
        std::abort();
    if (event->userId.contains(u'\r') || event->userId.contains(u'\n') || event->eventId.contains(u'\n'))
        std::abort();
    if (!QJsonDocument::fromJson(event->toPayload()).isObject())
        std::abort();
    return 0;
}
