// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresnotices.h"

#include "store/postgrespipeline.h"

#include <QByteArray>
#include <QtGlobal>

#include <libpq-fe.h>

#include <cstring>

namespace jobfirst {

namespace {

void logNotice(void *, const PGresult *notice)
{
    const char *severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *primary = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
    const QByteArray text = QByteArray(primary ? primary : PQresultErrorMessage(notice)).trimmed();
    const char *level = severity ? severity : "WARNING";
    if (std::strcmp(level, "WARNING") == 0)
        qWarning("postgresql: %s: %s", level, text.constData());
    else
        qInfo("postgresql: %s: %s", level, text.constData());
}

} // namespace

void routePostgresNotices(const QSqlDatabase &db)
{
    if (PGconn *connection = PostgresPipeline::connectionOf(db))
        PQsetNoticeReceiver(connection, &logNotice, nullptr);
}

} // namespace jobfirst
