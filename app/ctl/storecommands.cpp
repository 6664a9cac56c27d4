// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl store copy: a SQLite store moved into PostgreSQL, run here with no engine.
#include "ctlcontext.h"

#include "store/postgresurl.h"
#include "store/storecopy.h"

#include <QUrl>

using namespace jobfirst;

namespace {

/// A store location as it may be printed: a password typed into a URL, even a mistyped or
/// malformed one, is left out.
QString shownLocation(const QString &location)
{
    if (!location.contains(QLatin1String("://")))
        return location;
    const QUrl url(location);
    return url.isValid() ? url.toDisplayString(QUrl::RemovePassword)
                         : QStringLiteral("(a malformed URL)");
}

} // namespace

int runStoreCommand(CtlContext &ctx, const QString &db, bool remote, const Arguments &args)
{
    if (remote)
        return ctx.usage(QStringLiteral("store copy reads the store file here: it takes --db "
                                        "FILE, not --server"));
    if (PostgresUrl::isUrl(db))
        return ctx.usage(QStringLiteral("store copy copies a SQLite store: --db %1 is already "
                                        "PostgreSQL")
                             .arg(shownLocation(db)));
    const QString to =
        args.value(QStringLiteral("to")); // a postgresql:// URL (OptionTypes::StoreUrl)
    const auto copied = StoreCopy::toPostgres(db, to);
    if (!copied)
        return ctx.fail(copied.error().message);
    const QString digest = QString::number(copied->ledgerDigest, 16).rightJustified(16, u'0');
    if (args.isOn(QStringLiteral("json"))) {
        QJsonObject tables;
        for (const StoreCopy::Table &t : copied->tables)
            tables.insert(t.name, t.destination);
        ctx.printJson(QJsonObject{{QStringLiteral("to"), PostgresUrl::parse(to)->toString()},
                                  {QStringLiteral("tables"), tables},
                                  {QStringLiteral("ledger_rows"), copied->ledgerRows},
                                  {QStringLiteral("ledger_digest"), digest},
                                  {QStringLiteral("audit_rows"), copied->auditRows}});
        return 0;
    }
    for (const StoreCopy::Table &t : copied->tables)
        ctx.out << t.name << ": " << t.destination << " rows\n";
    ctx.out << "ledger digest " << digest << " over " << copied->ledgerRows
            << " rows matches; audit chain verifies (" << copied->auditRows << " rows)\n";
    ctx.out << "copied " << db << " to " << PostgresUrl::parse(to)->toString()
            << "; logs and import checkpoints stay in the file (--local-db)" << Qt::endl;
    return 0;
}
