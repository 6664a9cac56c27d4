// SPDX-License-Identifier: GPL-3.0-or-later
#include "consolelanguage.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace jobfirst::ui {

namespace {

/// The application's translator named `name`, made once as a child of the application (and
/// gone with it), so that every install replaces the one installed before.
QTranslator *translator(const QString &name)
{
    auto *app = QCoreApplication::instance();
    if (auto *t = app->findChild<QTranslator *>(name, Qt::FindDirectChildrenOnly))
        return t;
    auto *t = new QTranslator(app);
    t->setObjectName(name);
    return t;
}

} // namespace

QLocale ConsoleLanguage::install(const QString &code)
{
    const QLocale chosen = locale(code, QLocale::system());
    QTranslator *console = translator(QStringLiteral("consoleTranslator"));
    QTranslator *qt = translator(QStringLiteral("qtTranslator"));
    QCoreApplication::removeTranslator(console);
    QCoreApplication::removeTranslator(qt);
    // Numbers and dates on every page follow the chosen language.
    QLocale::setDefault(chosen);
    if (chosen.language() == QLocale::Chinese) {
        if (console->load(QStringLiteral(":/i18n/jobfirst_zh_CN.qm")))
            QCoreApplication::installTranslator(console);
        if (qt->load(QStringLiteral("qtbase_zh_CN"),
                     QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(qt);
    } else if (console->load(QStringLiteral(":/i18n/jobfirst_en.qm"))) {
        // The console speaks English in every other language: its plurals ("1 engine", not
        // "1 engine(s)") come from a translation holding only those.
        QCoreApplication::installTranslator(console);
    }
    return chosen;
}

QLocale ConsoleLanguage::locale(const QString &code, const QLocale &system)
{
    // One rule for every count on screen: the console speaks Chinese or English, and its
    // numbers follow the language it speaks, whatever the system's territory or C locale.
    const QString language = code.isEmpty() ? system.name() : code;
    return QLocale(language.startsWith(QLatin1String("zh")) ? QStringLiteral("zh_CN")
                                                            : QStringLiteral("en_US"));
}

} // namespace jobfirst::ui
