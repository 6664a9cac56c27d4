// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/configdiff.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>

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

namespace {

/// An element's identity in a list of objects: its "name" or "id" ("" when it has neither).
QString identityOf(const QJsonValue &element)
{
    const QJsonObject o = element.toObject();
    for (const QLatin1String key : {QLatin1String("name"), QLatin1String("id")})
        if (o.value(key).isString())
            return o.value(key).toString();
    return {};
}

/// The elements of `list` by their index, or by their identity when each has its own: so a
/// target inserted before another does not read as every later target changed.
std::vector<std::pair<QString, QJsonValue>> elementsOf(const QJsonArray &list, bool byIdentity)
{
    std::vector<std::pair<QString, QJsonValue>> elements;
    for (qsizetype i = 0; i < list.size(); ++i)
        elements.emplace_back(byIdentity ? identityOf(list.at(i)) : QString::number(i), list.at(i));
    return elements;
}

bool eachHasItsOwnIdentity(const QJsonArray &list)
{
    QSet<QString> seen;
    for (const QJsonValue &element : list) {
        const QString id = identityOf(element);
        if (id.isEmpty() || seen.contains(id))
            return false;
        seen.insert(id);
    }
    return true;
}

bool holdsObjects(const QJsonArray &list)
{
    return std::any_of(list.begin(), list.end(), [](const QJsonValue &v) { return v.isObject(); });
}

void diffInto(const QString &key, const QJsonValue &before, const QJsonValue &after,
              QList<KeyChange> &changes);

/// Matches the elements of two lists of objects and compares each pair.
void diffLists(const QString &key, const QJsonArray &before, const QJsonArray &after,
               QList<KeyChange> &changes)
{
    const bool byIdentity = eachHasItsOwnIdentity(before) && eachHasItsOwnIdentity(after);
    const auto old = elementsOf(before, byIdentity);
    const auto now = elementsOf(after, byIdentity);
    const auto find = [](const auto &elements, const QString &id) {
        const auto it = std::find_if(elements.begin(), elements.end(),
                                     [&](const auto &e) { return e.first == id; });
        return it == elements.end() ? QJsonValue(QJsonValue::Undefined) : it->second;
    };
    const auto at = [&key](const QString &id) { return QStringLiteral("%1[%2]").arg(key, id); };
    for (const auto &[id, value] : old)
        diffInto(at(id), value, find(now, id), changes);
    for (const auto &[id, value] : now)
        if (find(old, id).isUndefined())
            diffInto(at(id), QJsonValue::Undefined, value, changes);
}

void diffInto(const QString &key, const QJsonValue &before, const QJsonValue &after,
              QList<KeyChange> &changes)
{
    if (before == after)
        return;
    if (before.isObject() && after.isObject()) {
        const QJsonObject a = before.toObject(), b = after.toObject();
        QStringList keys = a.keys() + b.keys();
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        for (const QString &k : keys)
            diffInto(key.isEmpty() ? k : key + u'.' + k, a.value(k), b.value(k), changes);
        return;
    }
    if (before.isArray() && after.isArray() &&
        (holdsObjects(before.toArray()) || holdsObjects(after.toArray()))) {
        diffLists(key, before.toArray(), after.toArray(), changes);
        return;
    }
    changes << KeyChange{key, before, after};
}

} // namespace

QList<KeyChange> keyDiff(const QJsonValue &before, const QJsonValue &after)
{
    QList<KeyChange> changes;
    diffInto(QString(), before, after, changes);
    return changes;
}

} // namespace jobfirst
