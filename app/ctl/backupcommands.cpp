// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl backup and audit verify: encrypted copies of the store, and the audit chain.
#include "ctlcontext.h"

#include "api/codec.h"
#include "core/secrets.h"
#include "store/backup.h"

#include <QDateTime>

using namespace jobfirst;

namespace {

/// The passphrase from --passphrase-file or $JOBFIRST_BACKUP_PASSPHRASE (never argv).
Result<QByteArray> passphrase(const Arguments &args)
{
    if (args.has(QStringLiteral("passphrase-file"))) {
        auto read = readSecretFile(args.value(QStringLiteral("passphrase-file")), QStringLiteral("backup passphrase"));
        if (!read)
            return read.error();
        return read->toUtf8();
    }
    const QByteArray env = qgetenv("JOBFIRST_BACKUP_PASSPHRASE");
    if (env.isEmpty())
        return makeError(QStringLiteral("backup.passphrase"),
                         QStringLiteral("a backup needs a passphrase: --passphrase-file FILE or $JOBFIRST_BACKUP_PASSPHRASE"));
    return env;
}

int printInfo(CtlContext &ctx, const QString &what, const QString &file, const Result<BackupInfo> &info)
{
    if (!info)
        return ctx.fail(info.error().message);
    QJsonObject o = codec::encode(info.value());
    o.insert(QStringLiteral("file"), file);
    o.insert(QStringLiteral("result"), what);
    ctx.printJson(o);
    return 0;
}

} // namespace

int runBackupCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    const QString file = args.positional.value(1);
    // verify and restore reach here only with --server (see main.cpp), and never --replace.
    const auto key = passphrase(args);
    if (!key)
        return ctx.fail(key.error().message);
    if (sub == QLatin1String("verify"))
        return printInfo(ctx, QStringLiteral("verified"), file,
                         ctx.wait(ctx.session->verifyBackup(file, key.value())));
    if (sub == QLatin1String("restore")) {
        const QString to = args.value(QStringLiteral("to"));
        return printInfo(ctx, QStringLiteral("restored to ") + to, file,
                         ctx.wait(ctx.session->restoreBackup(file, key.value(), to)));
    }
    return printInfo(ctx, QStringLiteral("created"), file, ctx.wait(ctx.session->createBackup(file, key.value())));
}

int runOfflineBackupCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    const QString file = args.positional.value(1);
    const auto key = passphrase(args);
    if (!key)
        return ctx.fail(key.error().message);
    if (sub == QLatin1String("verify"))
        return printInfo(ctx, QStringLiteral("verified"), file, Backup::verify(file, key.value()));
    return printInfo(ctx, QStringLiteral("restored to ") + args.value(QStringLiteral("to")), file,
                     Backup::restore(file, key.value(), args.value(QStringLiteral("to")),
                                     args.isOn(QStringLiteral("replace"))));
}

int runAuditVerifyCommand(CtlContext &ctx, const Arguments &args)
{
    const auto checked = ctx.wait(ctx.session->verifyAudit());
    if (!checked)
        return ctx.fail(checked.error().message);
    if (args.isOn(QStringLiteral("json")))
        ctx.printJson(codec::encode(checked.value()));
    else if (checked->ok)
        ctx.out << "audit chain verifies: " << checked->rows << " rows, head " << checked->headHash << Qt::endl;
    if (!checked->ok)
        return ctx.fail(QStringLiteral("audit chain broken at row %1: %2").arg(checked->firstBadId).arg(checked->problem), 3);
    return 0;
}
