// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

namespace jobfirst {

/// A line diff good enough for config files: "  " common lines, "- " lines only in `a`,
/// "+ " lines only in `b` (longest common subsequence).
QString lineDiff(const QStringList &a, const QStringList &b);

/// One key whose value differs between two JSON documents.
struct KeyChange
{
    /// Where it is: keys joined by ".", a list's element by its "name" or "id" in brackets
    /// ("targets[hook].retry.interval"), or by its index where the elements have none.
    QString key;
    QJsonValue before; ///< Undefined: the key was added
    QJsonValue after;  ///< Undefined: the key was removed
};

/// What changed from `before` to `after`, key by key down to the values that differ (a
/// whole config version is long; one nested key in it is what an operator looks for). A list
/// of plain values (a target's events) changes as one value.
QList<KeyChange> keyDiff(const QJsonValue &before, const QJsonValue &after);

} // namespace jobfirst
