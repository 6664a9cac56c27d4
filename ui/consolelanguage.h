// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLocale>
#include <QString>

namespace jobfirst::ui {

/// The language the console speaks, application-wide: its translators (its own words, the
/// engine's sentences, the words of Qt's dialogs) and the locale numbers and dates are written
/// in. main() installs it before the engine is opened, so that what is said before any window
/// (a store that cannot be opened) is said in it; the window's Language menu switches it.
class ConsoleLanguage final
{
public:
    /// Installs the translators for `code` ("" for the system's language, "en" or "zh_CN") in
    /// place of those installed before, and makes its locale the default; returns that locale.
    static QLocale install(const QString &code);
    /// The locale numbers and dates are written in for a language choice: that of the language
    /// the console then speaks (Chinese or English), so "System language" reads as the language
    /// it stands for, and a C/POSIX system (no group separator) as English.
    static QLocale locale(const QString &code, const QLocale &system);
};

} // namespace jobfirst::ui
