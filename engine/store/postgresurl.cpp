// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresurl.h"

#include "store/deliverylease.h"
#include "store/postgresnotices.h"

#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>

namespace jobfirst {

namespace {

Error badUrl(const QString &why)
{
    return makeError(QStringLiteral("store.bad_url"), QStringLiteral("--db URL: %1").arg(why));
}

/// A value for libpq's conninfo string: quoted, with quotes and backslashes escaped.
QString connInfoValue(const QString &value)
{
    QString v = value;
    v.replace(u'\\', QStringLiteral("\\\\")).replace(u'\'', QStringLiteral("\\'"));
    return u'\'' + v + u'\'';
}

} // namespace

bool PostgresUrl::isUrl(const QString &text)
{
    return text.startsWith(QLatin1String("postgresql:"), Qt::CaseInsensitive) ||
           text.startsWith(QLatin1String("postgres:"), Qt::CaseInsensitive);
}

Result<PostgresUrl> PostgresUrl::parse(const QString &text)
{
    if (!isUrl(text))
        return badUrl(
            QStringLiteral("\"%1\" does not start with postgresql://").arg(text.left(80)));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        // Only the reason: QUrl's message quotes the whole text, password and all.
        return badUrl(QStringLiteral("not a valid URL (%1)")
                          .arg(url.errorString().section(QLatin1String("; source was"), 0, 0)));
    if (!text.contains(QLatin1String("://")))
        return badUrl(QStringLiteral("expected postgresql://user@host:port/database"));
    if (!url.password().isEmpty())
        return badUrl(QStringLiteral("a password in the URL would show on command lines and in "
                                     "logs; put it in a password file (PGPASSFILE, or "
                                     "?passfile=FILE)"));
    PostgresUrl u;
    u.m_host = url.host();
    if (u.m_host.isEmpty())
        return badUrl(QStringLiteral("no host (expected postgresql://user@host:port/database)"));
    u.m_user = url.userName();
    if (u.m_user.isEmpty())
        return badUrl(QStringLiteral("no user (expected postgresql://user@host:port/database)"));
    if (url.port() == 0)
        return badUrl(QStringLiteral("port 0 is not a port"));
    u.m_port = url.port(5432);
    u.m_database = url.path().mid(1);
    if (u.m_database.isEmpty() || u.m_database.contains(u'/'))
        return badUrl(QStringLiteral("no database name after the port (expected "
                                     "postgresql://user@host:port/database)"));
    const QUrlQuery query(url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == u"passfile") {
            u.m_passFile = value;
            if (!QFileInfo(value).isReadable())
                return badUrl(QStringLiteral("passfile %1 cannot be read").arg(value));
        } else if (key == u"connect_timeout") {
            bool ok = false;
            u.m_connectTimeoutS = value.toInt(&ok);
            if (!ok || u.m_connectTimeoutS < 1 || u.m_connectTimeoutS > 300)
                return badUrl(
                    QStringLiteral("connect_timeout \"%1\" is not 1-300 seconds").arg(value));
        } else if (key == u"sslmode") {
            static const QStringList modes{
                QStringLiteral("disable"),   QStringLiteral("allow"),
                QStringLiteral("prefer"),    QStringLiteral("require"),
                QStringLiteral("verify-ca"), QStringLiteral("verify-full")};
            if (!modes.contains(value))
                return badUrl(QStringLiteral("sslmode \"%1\" is not one of %2")
                                  .arg(value, modes.join(QStringLiteral(", "))));
            u.m_sslMode = value;
        } else if (key == u"password") {
            return badUrl(QStringLiteral("a password in the URL would show on command lines and in "
                                         "logs; put it in a password file (PGPASSFILE, or "
                                         "?passfile=FILE)"));
        } else {
            return badUrl(QStringLiteral("unknown option \"%1\" (known: passfile, "
                                         "connect_timeout, sslmode)")
                              .arg(key.left(40)));
        }
    }
    return u;
}

QString PostgresUrl::toString() const
{
    return QStringLiteral("postgresql://%1@%2:%3/%4")
        .arg(m_user, m_host)
        .arg(m_port)
        .arg(m_database);
}

qint64 PostgresUrl::silenceLimitMs()
{
    // Two thirds of the lease, in whole seconds (the keepalive options are seconds).
    return DeliveryLease::ttlMs() * 2 / 3 / 1000 * 1000;
}

QString PostgresUrl::connectOptions() const
{
    // Keepalives probe after a third of the limit without traffic, then each second (or
    // further apart: Linux refuses a count over 127, which a long --lease would need); the
    // count ends a silent connection by the limit (idle + count * interval).
    constexpr qint64 MaxKeepaliveCount = 127;
    const qint64 limitMs = silenceLimitMs();
    const qint64 idleS = std::max<qint64>(1, limitMs / 3000);
    const qint64 probingS = std::max<qint64>(1, limitMs / 1000 - idleS);
    const qint64 intervalS = (probingS + MaxKeepaliveCount - 1) / MaxKeepaliveCount;
    const qint64 count = std::max<qint64>(1, probingS / intervalS);
    QStringList options{QStringLiteral("connect_timeout=%1").arg(m_connectTimeoutS),
                        QStringLiteral("application_name=jobfirst"),
                        QStringLiteral("keepalives=1"),
                        QStringLiteral("keepalives_idle=%1").arg(idleS),
                        QStringLiteral("keepalives_interval=%1").arg(intervalS),
                        QStringLiteral("keepalives_count=%1").arg(count),
                        QStringLiteral("tcp_user_timeout=%1").arg(limitMs)};
    // The server's side, its settings for this session. QPSQL joins the options with spaces
    // (a ';' in a value would end it), so these go as one quoted value. No NOTICE comes back
    // ("relation ... already exists, skipping" from every start's schema check): libpq
    // prints those to stderr, where jobfirstd writes one JSON object per line.
    const QString server = QStringLiteral("-c client_min_messages=warning"
                                          " -c idle_in_transaction_session_timeout=%1"
                                          " -c tcp_keepalives_idle=%2"
                                          " -c tcp_keepalives_interval=%3"
                                          " -c tcp_keepalives_count=%4 -c tcp_user_timeout=%1")
                               .arg(limitMs)
                               .arg(idleS)
                               .arg(intervalS)
                               .arg(count);
    options << QStringLiteral("options=") + connInfoValue(server);
    if (!m_passFile.isEmpty())
        options << QStringLiteral("passfile=") + connInfoValue(m_passFile);
    if (!m_sslMode.isEmpty())
        options << QStringLiteral("sslmode=") + m_sslMode;
    return options.join(u';');
}

QByteArray PostgresUrl::libpqConnInfo() const
{
    QStringList parts{QStringLiteral("host=") + connInfoValue(m_host),
                      QStringLiteral("port=%1").arg(m_port),
                      QStringLiteral("user=") + connInfoValue(m_user),
                      QStringLiteral("dbname=") + connInfoValue(m_database)};
    parts << connectOptions().split(u';');
    return parts.join(u' ').toUtf8();
}

Result<QSqlDatabase> PostgresUrl::connect(const QString &connection) const
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return makeError(QStringLiteral("store.no_driver"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "%1: Qt's PostgreSQL driver (QPSQL) is not "
                                                    "installed (Debian: libqt6sql6-psql)"),
                                  {toString()}));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
    db.setHostName(m_host);
    db.setPort(m_port);
    db.setUserName(m_user);
    db.setDatabaseName(m_database);
    db.setConnectOptions(connectOptions());
    if (!db.open()) {
        const QString why = errorText(db.lastError());
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connection);
        return makeError(QStringLiteral("store.unavailable"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "PostgreSQL store %1 cannot be reached: %2"),
                                  {toString(), why}));
    }
    routePostgresNotices(db);
    QSqlQuery q(db);
    // Durable commits whatever the server's default: a caller is answered after COMMIT.
    if (!q.exec(QStringLiteral("SET synchronous_commit = on"))) {
        const QString why = q.lastError().text();
        q = QSqlQuery();
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connection);
        return makeError(QStringLiteral("store.unavailable"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "PostgreSQL store %1: %2"),
                                  {toString(), why}));
    }
    return db;
}

QString PostgresUrl::errorText(const QSqlError &error)
{
    QStringList lines;
    for (const QString &line : error.text().split(u'\n')) {
        if (const QString text = line.simplified(); !text.isEmpty())
            lines << text;
    }
    return lines.join(QLatin1String("; "));
}

} // namespace jobfirst
