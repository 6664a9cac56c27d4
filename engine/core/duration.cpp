// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/duration.h"

#include <QRegularExpression>

namespace jobfirst {

Result<qint64> parseDuration(const QString &text)
{
    static const QRegularExpression part(QStringLiteral(R"((\d+(?:\.\d+)?)(ms|s|m|h|d))"));
    const QString t = text.trimmed();
    if (t.isEmpty())
        return makeError(QStringLiteral("duration.invalid"),
                         QStringLiteral("empty duration (use e.g. 500ms, 30s, 2m, 1d)"));
    double total = 0;
    qsizetype pos = 0;
    while (pos < t.size()) {
        const auto m = part.match(t, pos, QRegularExpression::NormalMatch,
                                  QRegularExpression::AnchorAtOffsetMatchOption);
        if (!m.hasMatch())
            return makeError(QStringLiteral("duration.invalid"),
                             QStringLiteral("\"%1\" is not a duration (use e.g. 500ms, 30s, 2m)").arg(text));
        const double n = m.captured(1).toDouble();
        const QString unit = m.captured(2);
        const double scale = unit == u"ms"  ? 1
                             : unit == u"s" ? 1000
                             : unit == u"m" ? 60000
                             : unit == u"h" ? 3600000
                                            : 86400000;
        total += n * scale;
        pos = m.capturedEnd();
    }
    // Retention and backup intervals are counted in days; nothing runs for ten years.
    if (total > 3650.0 * 24 * 3600 * 1000)
        return makeError(QStringLiteral("duration.range"),
                         QStringLiteral("\"%1\" is longer than ten years").arg(text));
    return qint64(total);
}

QString formatDuration(qint64 ms)
{
    if (ms % 86400000 == 0 && ms >= 86400000)
        return QString::number(ms / 86400000) + u'd';
    if (ms % 3600000 == 0 && ms >= 3600000)
        return QString::number(ms / 3600000) + u'h';
    if (ms % 60000 == 0 && ms >= 60000)
        return QString::number(ms / 60000) + u'm';
    if (ms % 1000 == 0 && ms >= 1000)
        return QString::number(ms / 1000) + u's';
    return QString::number(ms) + QStringLiteral("ms");
}

} // namespace jobfirst
