// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QSet>
#include <QStringList>

class QTextStream;

/// A table for people: a header row, then the rows, each column as wide as its widest cell
/// and two spaces apart, so a long node id or actor does not push the next column out of line
/// (fixed widths did). Columns of figures line up on their last digit. The last column is not
/// padded: it may hold free text (a reason) of any length.
class TextTable final
{
public:
    explicit TextTable(const QStringList &headers);

    /// Aligns `column` to the right (counts, milliseconds), its header too.
    TextTable &alignRight(int column);
    void addRow(const QStringList &cells);
    void print(QTextStream &out) const;

private:
    QList<QStringList> m_rows; ///< the header first
    QSet<int> m_right;
};

/// A time for people: ISO 8601 in this machine's time zone, to the second, with its offset
/// ("2026-12-02T06:49:59+08:00"; "…Z" where local time is UTC); empty for 0 (never).
QString localIsoTime(qint64 msSinceEpoch);
