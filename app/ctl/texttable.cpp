// SPDX-License-Identifier: GPL-3.0-or-later
#include "texttable.h"

#include <QDateTime>
#include <QTextStream>

TextTable::TextTable(const QStringList &headers) : m_rows{headers} {}

TextTable &TextTable::alignRight(int column)
{
    m_right.insert(column);
    return *this;
}

void TextTable::addRow(const QStringList &cells)
{
    m_rows << cells;
}

void TextTable::print(QTextStream &out) const
{
    QList<qsizetype> widths(m_rows.first().size(), 0);
    for (const QStringList &row : m_rows)
        for (qsizetype c = 0; c < row.size() && c < widths.size(); ++c)
            widths[c] = std::max(widths.at(c), row.at(c).size());
    for (const QStringList &row : m_rows) {
        QStringList cells;
        for (qsizetype c = 0; c < widths.size(); ++c) {
            const QString cell = row.value(c);
            const bool last = c == widths.size() - 1;
            cells << (m_right.contains(int(c)) ? cell.rightJustified(widths.at(c))
                      : last                   ? cell
                                               : cell.leftJustified(widths.at(c)));
        }
        out << cells.join(QStringLiteral("  ")) << '\n';
    }
    out.flush();
}

QString localIsoTime(qint64 msSinceEpoch)
{
    if (msSinceEpoch == 0)
        return {};
    const QDateTime local = QDateTime::fromMSecsSinceEpoch(msSinceEpoch);
    return local.toOffsetFromUtc(local.offsetFromUtc()).toString(Qt::ISODate);
}
