// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace jobfirst {

/// A line diff good enough for config files: "  " common lines, "- " lines only in `a`,
/// "+ " lines only in `b` (longest common subsequence).
QString lineDiff(const QStringList &a, const QStringList &b);

} // namespace jobfirst
