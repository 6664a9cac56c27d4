// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/configdiff.h"

#include <algorithm>
#include <vector>

namespace jobfirst {

QString lineDiff(const QStringList &a, const QStringList &b)
{
    const int n = int(a.size()), m = int(b.size());
    std::vector<std::vector<int>> lcs(std::size_t(n + 1), std::vector<int>(std::size_t(m + 1), 0));
    for (int i = n - 1; i >= 0; --i)
        for (int j = m - 1; j >= 0; --j)
            lcs[std::size_t(i)][std::size_t(j)] = a[i] == b[j] ? lcs[std::size_t(i + 1)][std::size_t(j + 1)] + 1
                                                               : std::max(lcs[std::size_t(i + 1)][std::size_t(j)], lcs[std::size_t(i)][std::size_t(j + 1)]);
    QString out;
    int i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            out += QStringLiteral("  ") + a[i++] + u'\n';
            ++j;
        } else if (j < m && (i == n || lcs[std::size_t(i)][std::size_t(j + 1)] >= lcs[std::size_t(i + 1)][std::size_t(j)])) {
            out += QStringLiteral("+ ") + b[j++] + u'\n';
        } else {
            out += QStringLiteral("- ") + a[i++] + u'\n';
        }
    }
    return out;
}

} // namespace jobfirst
