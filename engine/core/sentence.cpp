// SPDX-License-Identifier: GPL-3.0-or-later
#include "sentence.h"

#include <QJsonArray>
#include <QJsonObject>

#include <iterator>

namespace jobfirst {

namespace {
// An answer from another process is read no deeper nor wider than the engine writes.
constexpr int MaxDepth = 8;
constexpr qsizetype MaxValues = 9;
} // namespace

Sentence::Sentence(const char *wording, QList<Sentence> values)
    : m_wording(wording), m_values(std::move(values))
{
}

Sentence::Sentence(const QString &value) : m_value(value.isNull() ? QStringLiteral("") : value) {}

Sentence Sentence::value(qint64 number)
{
    return Sentence(QString::number(number));
}

Sentence Sentence::withValue(qsizetype index, const Sentence &value) const
{
    Sentence s = *this;
    if (index >= 0 && index < s.m_values.size())
        s.m_values[index] = value;
    return s;
}

QString Sentence::english() const
{
    return said([](const char *wording) { return QString::fromUtf8(wording); });
}

QString Sentence::said(const std::function<QString(const char *)> &translate) const
{
    if (m_wording.isEmpty())
        return m_value;
    const QString wording = translate(m_wording.constData());
    // One pass, so a value holding "%1" is not read as a place for another value.
    QString out;
    out.reserve(wording.size());
    for (qsizetype i = 0; i < wording.size(); ++i) {
        const QChar c = wording.at(i);
        const int n = i + 1 < wording.size() ? wording.at(i + 1).digitValue() : -1;
        if (c == u'%' && n >= 1 && n <= m_values.size()) {
            out += m_values.at(n - 1).said(translate);
            ++i;
        } else {
            out += c;
        }
    }
    return out;
}

QJsonValue Sentence::toJson() const
{
    if (m_wording.isEmpty())
        return m_value;
    QJsonArray values;
    for (const Sentence &v : m_values)
        values.append(v.toJson());
    return QJsonObject{{QStringLiteral("wording"), QString::fromUtf8(m_wording)},
                       {QStringLiteral("values"), values}};
}

Sentence Sentence::fromJson(const QJsonValue &json)
{
    return fromJson(json, 0);
}

Sentence Sentence::fromJson(const QJsonValue &json, int depth)
{
    if (json.isString())
        return Sentence(json.toString());
    const QJsonObject o = json.toObject();
    const QString wording = o.value(QStringLiteral("wording")).toString();
    const QJsonArray values = o.value(QStringLiteral("values")).toArray();
    if (depth >= MaxDepth || wording.isEmpty() || values.size() > MaxValues)
        return {};
    Sentence s;
    s.m_wording = wording.toUtf8();
    for (const QJsonValue &v : values) {
        Sentence value = fromJson(v, depth + 1);
        if (value.isEmpty())
            return {};
        s.m_values.append(std::move(value));
    }
    return s;
}

Sentence jsonSyntaxSentence(const QJsonParseError &error)
{
    // Qt's own words, in the order of QJsonParseError::ParseError, marked here so that the
    // console translates them.
    static const char *const words[] = {
        nullptr, // NoError
        QT_TRANSLATE_NOOP("EngineSentence", "unterminated object"),
        QT_TRANSLATE_NOOP("EngineSentence", "missing name separator"),
        QT_TRANSLATE_NOOP("EngineSentence", "unterminated array"),
        QT_TRANSLATE_NOOP("EngineSentence", "missing value separator"),
        QT_TRANSLATE_NOOP("EngineSentence", "illegal value"),
        QT_TRANSLATE_NOOP("EngineSentence", "invalid termination by number"),
        QT_TRANSLATE_NOOP("EngineSentence", "illegal number"),
        QT_TRANSLATE_NOOP("EngineSentence", "invalid escape sequence"),
        QT_TRANSLATE_NOOP("EngineSentence", "invalid UTF8 string"),
        QT_TRANSLATE_NOOP("EngineSentence", "unterminated string"),
        QT_TRANSLATE_NOOP("EngineSentence", "object is missing after a comma"),
        QT_TRANSLATE_NOOP("EngineSentence", "too deeply nested document"),
        QT_TRANSLATE_NOOP("EngineSentence", "too large document"),
        QT_TRANSLATE_NOOP("EngineSentence", "garbage at the end of the document"),
    };
    const int at = int(error.error);
    if (at > 0 && at < int(std::size(words)))
        return Sentence(words[at]);
    return error.errorString();
}

} // namespace jobfirst
