// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "optiontype.h"

#include <QHash>
#include <QSet>
#include <QStringList>

#include <optional>

/// Command-line words split into positional words, "--name value" options and "--flag"s.
class Arguments final
{
public:
    /// flags: option names that take no value.
    Arguments(const QStringList &words, const QSet<QString> &flags);

    QStringList positional;

    /// Given at all, with a value or none: `--json=false` too (isOn() says if a flag is on).
    bool has(const QString &name) const { return m_flags.contains(name) || m_options.contains(name); }
    /// A flag given bare or as `--name=true`; `--name=false` is off. The command table refuses
    /// any other value of a flag.
    bool isOn(const QString &name) const
    {
        return m_flags.contains(name) || m_options.value(name) == QLatin1String("true");
    }
    QString value(const QString &name, const QString &fallback = {}) const { return m_options.value(name, fallback); }
    QStringList values(const QString &name) const { return m_multi.value(name); }
    /// An integer option read as `type` reads it (`fallback` when not given); an error names
    /// the option and the value. The command table has checked it by the same type.
    std::optional<qint64> integer(const QString &name, qint64 fallback, const OptionType &type,
                                  QString *error) const;
    std::optional<double> number(const QString &name, double fallback, const OptionType &type,
                                 QString *error) const;
    /// Options given that the command does not know (one given no value among them).
    QStringList unknown(const QSet<QString> &known) const;
    /// "option --x needs a value" when the last word was an option and no value followed;
    /// asked only after unknown(), so that a mistyped option is named as unknown.
    QString missingValueError() const;

private:
    QHash<QString, QString> m_options;
    QHash<QString, QStringList> m_multi;
    QSet<QString> m_flags;
    QString m_valueMissing; ///< the last option's name when it was given no value
};
