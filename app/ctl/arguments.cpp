// SPDX-License-Identifier: GPL-3.0-or-later
#include "arguments.h"

Arguments::Arguments(const QStringList &words, const QSet<QString> &flags)
{
    for (int i = 0; i < words.size(); ++i) {
        const QString &w = words.at(i);
        if (!w.startsWith(QLatin1String("--")) || w == QLatin1String("--")) {
            positional << w;
            continue;
        }
        QString name = w.mid(2);
        QString val;
        const qsizetype eq = name.indexOf(u'=');
        if (eq >= 0) {
            val = name.mid(eq + 1);
            name = name.left(eq);
        } else if (flags.contains(name)) {
            m_flags.insert(name);
            continue;
        } else if (i + 1 < words.size()) {
            val = words.at(++i);
        } else {
            // Not said here: only the command knows whether it is a mistyped option.
            m_valueMissing = name;
            return;
        }
        m_options.insert(name, val);
        m_multi[name] << val;
    }
}

std::optional<qint64> Arguments::integer(const QString &name, qint64 fallback,
                                         const OptionType &type, QString *error) const
{
    if (!m_options.contains(name))
        return fallback;
    const auto v = type.toInteger(m_options.value(name));
    if (!v)
        *error = type.error(name, m_options.value(name));
    return v;
}

std::optional<double> Arguments::number(const QString &name, double fallback,
                                        const OptionType &type, QString *error) const
{
    if (!m_options.contains(name))
        return fallback;
    const auto v = type.toNumber(m_options.value(name));
    if (!v)
        *error = type.error(name, m_options.value(name));
    return v;
}

QStringList Arguments::unknown(const QSet<QString> &known) const
{
    QStringList out;
    for (auto it = m_options.cbegin(); it != m_options.cend(); ++it)
        if (!known.contains(it.key()))
            out << QStringLiteral("--") + it.key();
    for (const QString &f : m_flags)
        if (!known.contains(f))
            out << QStringLiteral("--") + f;
    if (!m_valueMissing.isEmpty() && !known.contains(m_valueMissing))
        out << QStringLiteral("--") + m_valueMissing;
    return out;
}

QString Arguments::missingValueError() const
{
    return m_valueMissing.isEmpty()
               ? QString()
               : QStringLiteral("option --%1 needs a value").arg(m_valueMissing);
}
