// SPDX-License-Identifier: GPL-3.0-or-later
#include "optiontype.h"

#include "api/codec.h"
#include "core/duration.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

using namespace jobfirst;

namespace {

/// A value as a message quotes it: not a whole pasted file.
QString quoted(const QString &value)
{
    return QStringLiteral("\"%1\"").arg(value.size() > 200 ? value.left(200) + u'…' : value);
}

/// Why the file `path` cannot be read here (no such file, a directory, what opening it said);
/// empty when it can.
QString unreadableFileFault(const QString &path)
{
    const QFileInfo info(path);
    QString why;
    if (!info.exists())
        why = QStringLiteral("there is no such file");
    else if (info.isDir())
        why = QStringLiteral("it is a directory");
    else if (QFile file(path); !file.open(QIODevice::ReadOnly))
        why = file.errorString();
    return why.isEmpty() ? QString()
                         : QStringLiteral("%1 cannot be read: %2").arg(quoted(path), why);
}

QString joined(const QStringList &words)
{
    return words.join(QStringLiteral(", "));
}

} // namespace

OptionType OptionType::integer(qint64 lo, qint64 hi)
{
    return OptionType(Kind::Integer, lo, hi);
}

OptionType OptionType::number(double lo, double hi)
{
    OptionType t(Kind::Number);
    t.m_lo = lo;
    t.m_hi = hi;
    return t;
}

OptionType OptionType::oneOf(const QStringList &words)
{
    OptionType t(Kind::Word);
    t.m_words = words;
    return t;
}

OptionType OptionType::listOf(const QStringList &words, const QString &all)
{
    OptionType t(Kind::WordList);
    t.m_words = words;
    t.m_all = all;
    return t;
}

OptionType OptionType::duration(qint64 loMs, qint64 hiMs)
{
    return OptionType(Kind::Duration, loMs, hiMs);
}

OptionType OptionType::isoTime()
{
    return OptionType(Kind::Time);
}

OptionType OptionType::readableFile()
{
    return OptionType(Kind::ReadableFile);
}

OptionType OptionType::jsonObject()
{
    return OptionType(Kind::JsonObject);
}

OptionType OptionType::checkedBy(std::function<QString(const QString &)> fault)
{
    OptionType t(Kind::Checked);
    t.m_check = std::move(fault);
    return t;
}

QString OptionType::error(const QString &option, const QString &value) const
{
    return labelled(QStringLiteral("--") + option, value);
}

QString OptionType::argumentError(const QString &argument, const QString &value) const
{
    return labelled(argument, value);
}

QString OptionType::labelled(const QString &label, const QString &value) const
{
    const QString what = fault(value);
    if (what.isEmpty())
        return {};
    // An engine's rule may name the option itself ("--lease \"2\" must be …").
    return what.startsWith(label + u' ') ? what : QStringLiteral("%1: %2").arg(label, what);
}

std::optional<qint64> OptionType::toInteger(const QString &value) const
{
    bool ok = false;
    const qint64 v = value.toLongLong(&ok);
    if (m_kind != Kind::Integer || !ok || v < m_least || v > m_most)
        return std::nullopt;
    return v;
}

std::optional<double> OptionType::toNumber(const QString &value) const
{
    bool ok = false;
    const double v = value.toDouble(&ok);
    if (m_kind == Kind::Integer) // a whole number is a number
        return toInteger(value) ? std::optional<double>(v) : std::nullopt;
    if (m_kind != Kind::Number || !ok || !(v >= m_lo) || !(v <= m_hi))
        return std::nullopt;
    return v;
}

std::optional<QStringList> OptionType::toWords(const QString &value) const
{
    if (m_kind != Kind::WordList)
        return std::nullopt;
    if (!m_all.isEmpty() && value == m_all)
        return QStringList();
    QStringList words;
    for (const QString &word : value.split(u',', Qt::SkipEmptyParts)) {
        if (!m_words.contains(word.trimmed()))
            return std::nullopt;
        words << word.trimmed();
    }
    if (words.isEmpty())
        return std::nullopt;
    return words;
}

QString OptionType::wordsFault(const QString &quoted) const
{
    if (m_kind == Kind::Word)
        return QStringLiteral("%1 is not one of %2").arg(quoted, joined(m_words));
    const QString some = QStringLiteral("one or more of %1, comma-separated").arg(joined(m_words));
    return QStringLiteral("%1 is not %2")
        .arg(quoted, m_all.isEmpty() ? some : m_all + QStringLiteral(" or ") + some);
}

QString OptionType::fault(const QString &value) const
{
    const QString q = quoted(value);
    switch (m_kind) {
    case Kind::Integer:
        return toInteger(value) ? QString()
                                : QStringLiteral("%1 is not a whole number in %2..%3")
                                      .arg(q)
                                      .arg(m_least)
                                      .arg(m_most);
    case Kind::Number:
        return toNumber(value) ? QString()
                               : QStringLiteral("%1 is not a number in %2..%3")
                                     .arg(q)
                                     .arg(m_lo, 0, 'g', 12)
                                     .arg(m_hi, 0, 'g', 12);
    case Kind::Word:
        return m_words.contains(value) ? QString() : wordsFault(q);
    case Kind::WordList:
        return toWords(value) ? QString() : wordsFault(q);
    case Kind::Duration: {
        const auto ms = parseDuration(value);
        if (ms && ms.value() >= m_least && ms.value() <= m_most)
            return {};
        return QStringLiteral("%1 is not a duration from %2 to %3 (e.g. 500ms, 30s, 2m)")
            .arg(q, formatDuration(m_least), formatDuration(m_most));
    }
    case Kind::Time:
        return codec::parseIsoTime(value) ? QString()
                                          : QStringLiteral("%1 is not an ISO 8601 time, e.g. "
                                                           "2026-11-25T10:00:00Z")
                                                .arg(q);
    case Kind::ReadableFile:
        return unreadableFileFault(value);
    case Kind::JsonObject: {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(value.toUtf8(), &pe);
        if (pe.error == QJsonParseError::NoError && doc.isObject())
            return {};
        return QStringLiteral("%1 is not a JSON object%2")
            .arg(q, pe.error == QJsonParseError::NoError
                        ? QString()
                        : QStringLiteral(" (%1)").arg(pe.errorString()));
    }
    case Kind::Checked:
        return m_check(value);
    }
    return {};
}
