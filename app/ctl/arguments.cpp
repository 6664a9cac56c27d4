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

std::optional<qint64> Arguments::integer(const QString &name, qint64 fallback, qint64 lo, qint64 hi, QString *error) const
{
    if (!m_options.contains(name))
        return fallback;
    bool ok = false;
    const qint64 v = m_options.value(name).toLongLong(&ok);
    if (!ok || v < lo || v > hi) {
        *error = QStringLiteral("--%1 \"%2\" is not a whole number in %3..%4").arg(name, m_options.value(name)).arg(lo).arg(hi);
        return std::nullopt;
    }
    return v;
}

std::optional<double> Arguments::number(const QString &name, double fallback, double lo, double hi, QString *error) const
{
    if (!m_options.contains(name))
        return fallback;
    bool ok = false;
    const double v = m_options.value(name).toDouble(&ok);
    if (!ok || !(v >= lo) || !(v <= hi)) {
        *error = QStringLiteral("--%1 \"%2\" is not a number in %3..%4").arg(name, m_options.value(name)).arg(lo).arg(hi);
        return std::nullopt;
    }
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
