// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonParseError>
#include <QJsonValue>
#include <QList>
#include <QString>

#include <functional>

namespace jobfirst {

/// What the engine says to a person (an error's message), kept as its English wording with
/// the values apart, so that a front end can say it in its own language and keep the values:
/// "there is no node \"%1\"" with the value "n7". The engine stays free of translations: each
/// wording is marked with QT_TRANSLATE_NOOP("EngineSentence", …) where it is written, lupdate
/// finds it there, and the console translates it; jobfirstctl, the API and the logs say the
/// English. A value may itself be a sentence ("%1: %2" with a path and the reason).
class Sentence
{
public:
    /// Says nothing (an error made from a plain message).
    Sentence() = default;
    /// `wording` is English with %1..%9 for `values`, marked for translation.
    Sentence(const char *wording, QList<Sentence> values = {});
    /// A value said as it is, never translated: a node's id, a key, a number, a path.
    Sentence(const QString &value);
    static Sentence value(qint64 number);

    bool isEmpty() const { return m_wording.isEmpty() && m_value.isNull(); }
    /// The wording of a sentence; empty for a value.
    const QByteArray &wording() const { return m_wording; }
    /// The values of a sentence, in the order of their numbers.
    const QList<Sentence> &values() const { return m_values; }
    /// The same sentence with its value `index` replaced (a key named inside a target).
    Sentence withValue(qsizetype index, const Sentence &value) const;

    /// In English, as jobfirstctl and the API say it.
    QString english() const;
    /// Each wording passed through `translate`, which returns the English it was given where it
    /// knows no other words; the values are kept as they are.
    QString said(const std::function<QString(const char *wording)> &translate) const;

    /// A value as a JSON string, a sentence as {"wording": …, "values": […]}.
    QJsonValue toJson() const;
    /// An empty sentence for anything else, or for one nested deeper than a front end shows.
    static Sentence fromJson(const QJsonValue &json);

private:
    static Sentence fromJson(const QJsonValue &json, int depth);

    QByteArray m_wording;
    QString m_value;
    QList<Sentence> m_values;
};

/// Qt's words for a JSON syntax error ("unterminated object"), as a sentence the console
/// translates; the place is said by the caller.
Sentence jsonSyntaxSentence(const QJsonParseError &error);

} // namespace jobfirst
