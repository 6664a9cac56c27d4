// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

/// What an option's value may be: a whole number in a range, one of some words, a duration, a
/// URL, a file that can be read here, ... Each is read by one parser: the command table checks
/// every value on a command line with it before a store is opened or a daemon contacted, and
/// the command reads the value through the same one, so the two cannot disagree.
class OptionType final
{
public:
    /// A whole number from `lo` to `hi`.
    static OptionType integer(qint64 lo, qint64 hi);
    /// A number from `lo` to `hi`.
    static OptionType number(double lo, double hi);
    /// One of `words`.
    static OptionType oneOf(const QStringList &words);
    /// Some of `words`, comma-separated, at least one; or `all` alone when it is not empty.
    static OptionType listOf(const QStringList &words, const QString &all = {});
    /// A duration as parseDuration() reads it ("500ms", "30s", "1m30s"), from `loMs` to `hiMs`.
    static OptionType duration(qint64 loMs, qint64 hiMs);
    /// An ISO 8601 time, as the API's times are read (codec::parseIsoTime).
    static OptionType isoTime();
    /// A file this process can read: jobfirstctl reads it itself (not a daemon).
    static OptionType readableFile();
    /// A JSON object.
    static OptionType jsonObject();
    /// A value the engine checks with its own rule: `fault` says what is wrong with one
    /// ("node URL \"ftp://h/\" must start with http:// or https://"), empty when accepted.
    static OptionType checkedBy(std::function<QString(const QString &value)> fault);

    /// What is wrong with `value` given to `--option`, naming both and what is accepted
    /// (`--role: "god" is not one of viewer, operator, admin, node`); empty when accepted.
    QString error(const QString &option, const QString &value) const;
    /// The same for a positional argument: `weight: "heavy" is not a whole number in 1..256`.
    QString argumentError(const QString &argument, const QString &value) const;

    /// The value of an integer type; nullopt when error() has one.
    std::optional<qint64> toInteger(const QString &value) const;
    /// The value of a number or integer type; nullopt when error() has one.
    std::optional<double> toNumber(const QString &value) const;
    /// The words of a list type, trimmed; `all` gives an empty list. nullopt when error() has
    /// one.
    std::optional<QStringList> toWords(const QString &value) const;

private:
    enum class Kind {
        Integer,
        Number,
        Word,
        WordList,
        Duration,
        Time,
        ReadableFile,
        JsonObject,
        Checked
    };

    explicit OptionType(Kind kind, qint64 least = 0, qint64 most = 0)
        : m_kind(kind), m_least(least), m_most(most)
    {
    }
    /// What is wrong with `value`, after the option's name: "\"god\" is not one of …".
    QString fault(const QString &value) const;
    /// fault() after `label` ("--role", "weight"); empty when there is none.
    QString labelled(const QString &label, const QString &value) const;
    QString wordsFault(const QString &quoted) const;

    Kind m_kind;
    qint64 m_least = 0; ///< Integer: the range; Duration: in ms
    qint64 m_most = 0;
    double m_lo = 0; ///< Number: the range
    double m_hi = 0;
    QStringList m_words;                             ///< Word, WordList
    QString m_all;                                   ///< WordList: the word for all of them
    std::function<QString(const QString &)> m_check; ///< Checked
};
