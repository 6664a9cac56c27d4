// SPDX-License-Identifier: GPL-3.0-or-later
// Import lines: the first byte picks JSON Lines or CSV (under a fixed header); accepted lines
// give valid events, a CSV record splits into no more fields than it has commas + 1, and a
// JSON record kept as written (SyncEvent::dataJson) is read by QJsonDocument as the same data
// as the line.
#include "sync/bulkimporter.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstdint>
#include <cstdlib>

using namespace jobfirst;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const bool csv = data[0] & 1;
    const QByteArray line(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    static const QStringList header{QStringLiteral("id"), QStringLiteral("user_id"), QStringLiteral("name"),
                                    QStringLiteral("email")};
    if (csv) {
        const QString text = QString::fromUtf8(line);
        if (BulkImporter::splitCsv(text).size() > text.count(u',') + 1)
            std::abort();
    }
    const auto event = BulkImporter::parseLine(line, csv ? header : QStringList());
    if (event && !event->validate().ok())
        std::abort();
    if (event && !event->dataJson.isEmpty()) {
        QJsonParseError error;
        const QJsonDocument kept = QJsonDocument::fromJson(event->dataJson, &error);
        if (error.error != QJsonParseError::NoError ||
            kept.object() != QJsonDocument::fromJson(line).object() ||
            event->userId != kept.object().value(u"id").toVariant().toString())
            std::abort();
    }
    return 0;
}
