// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/storecopy.h"

#include "store/ledgerranges.h"
#include "store/postgresschema.h"
#include "store/postgresstatestore.h"
#include "store/postgresurl.h"
#include "store/store.h"
#include "sync/recorddigest.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>
#include <QVariant>

namespace jobfirst {

namespace {

struct Copied
{
    const char *table;
    const char *columns;      ///< as in both stores, in this order
    const char *serial;       ///< the id column whose sequence follows the copied ids ("" none)
    int byteaColumn = -1;     ///< a TEXT column in SQLite that is BYTEA in PostgreSQL
    bool partitioned = false; ///< deliveries: append the partition of (user_id, event_seq)
};

const Copied Tables[] = {
    {"events", "seq, event_id, type, user_id, version, payload, created_at", "seq", 5},
    {"deliveries",
     "id, event_seq, target, user_id, state, attempts, next_at, last_error, created_at,"
     " updated_at, event_count, mode",
     "id", -1, true},
    {"attempts", "id, delivery_id, ts, status, duration_ms, error, body_head", "id"},
    {"ledger", "target, user_id, event_id, version, acked_at", ""},
    {"ledger_ranges", "target, first_seq, end_seq, acked_at", ""},
    {"target_state", "name, paused, disabled, reason, updated_at", ""},
    {"nodes",
     "id, url, health_path, weight, tags, admin_state, health_state, health_changed_at,"
     " created_at, ca_file, client_cert, client_key, tls_insecure, token_file",
     ""},
    {"health_events", "id, node_id, ts, from_state, to_state, reason, latency_ms, last_ok_at",
     "id"},
    {"config_versions", "version, ts, actor, json", "version"},
    {"audit", "id, ts, actor, action, subject, before, after, prev_hash, hash", "id"},
    // Shared by the daemons on PostgreSQL (their hashes only, as here).
    {"api_tokens", "name, role, node_id, hash, created_at, created_by", ""},
};

Error sqlError(const QString &where, const QString &what, const QSqlQuery &q)
{
    return storeError(where, what, q.lastError().text());
}

Result<qint64> countRows(QSqlDatabase db, const QString &where, const QString &table)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) || !q.next())
        return sqlError(where, QStringLiteral("count %1").arg(table), q);
    return q.value(0).toLongLong();
}

/// Per target: (users, XOR of entry hashes) of the ledger, bulk rows' ranges included.
Result<QHash<QString, std::pair<qint64, std::uint64_t>>> ledgerDigest(QSqlDatabase db,
                                                                      const QString &where)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(LedgerRanges::latestVersionsSql()))
        return sqlError(where, QStringLiteral("read the ledger"), q);
    QHash<QString, std::pair<qint64, std::uint64_t>> digest;
    while (q.next()) {
        auto &d = digest[q.value(0).toString()];
        d.first += 1;
        d.second ^= RecordDigest::entryHash(q.value(1).toString(), q.value(2).toLongLong());
    }
    return digest;
}

/// Closes and removes a named QtSql connection when it goes out of scope.
struct ConnectionCloser
{
    QString name;
    ~ConnectionCloser()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(name, false);
            if (db.isValid())
                db.close();
        }
        QSqlDatabase::removeDatabase(name);
    }
};

/// One copy of a SQLite store into an empty PostgreSQL database: one read snapshot of the
/// source, one transaction at the destination, then verified from what was committed there.
class CopyRun
{
public:
    CopyRun(QSqlDatabase from, QString fromName, QSqlDatabase dest, QString destName, QString url)
        : m_from(from), m_dest(dest), m_fromName(std::move(fromName)),
          m_destName(std::move(destName)), m_url(std::move(url))
    {
    }

    Result<StoreCopy::Report> run()
    {
        if (Status s = checkEmpty(); !s)
            return s.error();
        if (Status s = copy(); !s)
            return s.error();
        return verify();
    }

private:
    /// Only into an empty database: a copy over rows of another store would mix two ledgers
    /// and two audit chains.
    Status checkEmpty()
    {
        QStringList holding;
        for (const Copied &t : Tables) {
            auto n = countRows(m_dest, m_destName, QLatin1String(t.table));
            if (!n)
                return n.error();
            if (n.value() > 0)
                holding
                    << QStringLiteral("%1 rows in %2").arg(n.value()).arg(QLatin1String(t.table));
        }
        if (holding.isEmpty())
            return {};
        return makeError(QStringLiteral("store.not_empty"),
                         QStringLiteral("%1 is not empty (%2): store copy only fills an empty "
                                        "database; nothing was copied")
                             .arg(m_destName, holding.join(QStringLiteral(", "))));
    }

    /// Ends both transactions (the source's read snapshot, the destination's copy).
    Error fail(const Error &e)
    {
        QSqlQuery(m_dest).exec(QStringLiteral("ROLLBACK"));
        endReading();
        return e;
    }

    void endReading() { QSqlQuery(m_from).exec(QStringLiteral("ROLLBACK")); }

    Status copy()
    {
        QSqlQuery read(m_from);
        if (!read.exec(QStringLiteral("BEGIN")))
            return sqlError(m_fromName, QStringLiteral("begin reading"), read);
        QSqlQuery write(m_dest);
        if (!write.exec(QStringLiteral("BEGIN")))
            return fail(sqlError(m_destName, QStringLiteral("begin the copy"), write));
        for (const Copied &t : Tables)
            if (Status s = copyTable(t, write); !s)
                return fail(s.error());
        if (Status s = copyAuditHead(write); !s)
            return fail(s.error());
        if (!write.exec(QStringLiteral("COMMIT")))
            return fail(sqlError(m_destName, QStringLiteral("commit the copy"), write));
        return {};
    }

    Status copyTable(const Copied &t, QSqlQuery &write)
    {
        const QString table = QLatin1String(t.table);
        const QStringList columns = QString::fromLatin1(t.columns).split(QStringLiteral(", "));
        QStringList marks(columns.size(), QStringLiteral("?"));
        const QString insert = QStringLiteral("INSERT INTO %1(%2%3) VALUES (%4%5)")
                                   .arg(table, QLatin1String(t.columns),
                                        t.partitioned ? QStringLiteral(", part") : QString(),
                                        marks.join(QStringLiteral(", ")),
                                        t.partitioned ? QStringLiteral(", ?") : QString());
        if (!write.prepare(insert))
            return sqlError(m_destName, QStringLiteral("prepare the copy of %1").arg(table), write);
        QSqlQuery rows(m_from);
        rows.setForwardOnly(true);
        if (!rows.exec(QStringLiteral("SELECT %1 FROM %2").arg(QLatin1String(t.columns), table)))
            return sqlError(m_fromName, QStringLiteral("read %1").arg(table), rows);
        while (rows.next()) {
            bindRow(t, int(columns.size()), rows, write);
            if (!write.exec())
                return sqlError(m_destName, QStringLiteral("copy a row of %1").arg(table), write);
        }
        if (!*t.serial)
            return {};
        // New rows continue after the copied ids.
        QSqlQuery seq(m_dest);
        if (!seq.exec(QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', '%2'),"
                                     " COALESCE(MAX(%2), 1), MAX(%2) IS NOT NULL) FROM %1")
                          .arg(table, QLatin1String(t.serial))))
            return sqlError(m_destName, QStringLiteral("move the ids of %1 on").arg(table), seq);
        return {};
    }

    static void bindRow(const Copied &t, int columns, const QSqlQuery &rows, QSqlQuery &write)
    {
        for (int c = 0; c < columns; ++c) {
            QVariant v = rows.value(c);
            if (c == t.byteaColumn)
                v = v.toString().toUtf8();
            else if (v.isNull())
                v = QStringLiteral("");
            write.bindValue(c, v);
        }
        if (t.partitioned)
            write.bindValue(columns, PostgresSchema::partitionOf(rows.value(3).toString(),
                                                                 rows.value(1).toLongLong()));
    }

    Status copyAuditHead(QSqlQuery &write)
    {
        QSqlQuery head(m_from);
        if (!head.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'audit_head'")))
            return sqlError(m_fromName, QStringLiteral("read the audit head"), head);
        if (!head.next())
            return {};
        write.prepare(
            QStringLiteral("INSERT INTO cluster_meta(key, value) VALUES ('audit_head', ?)"));
        write.bindValue(0, head.value(0).toString());
        if (!write.exec())
            return sqlError(m_destName, QStringLiteral("record the audit head"), write);
        return {};
    }

    /// The rows are in PostgreSQL whatever the checks find: every error from here on says so.
    static Error committed(Error e)
    {
        e.message += QStringLiteral(" (the copy was committed; drop the database before trying"
                                    " again)");
        return e;
    }

    Error mismatch(const QString &what)
    {
        endReading();
        return committed(makeError(QStringLiteral("store.copy_mismatch"),
                                   QStringLiteral("the copy of %1 in %2 does not match: %3")
                                       .arg(m_fromName, m_destName, what)));
    }

    /// Against the same snapshot of the source: counts, the ledger digest, the audit chain.
    Result<StoreCopy::Report> verify()
    {
        StoreCopy::Report report;
        if (Status s = verifyCounts(report); !s)
            return s.error();
        if (Status s = verifyLedger(report); !s)
            return s.error();
        auto state = PostgresStateStore::open(m_url);
        if (!state)
            return committed(state.error());
        auto chain = state.value()->verifyAuditChain();
        if (!chain)
            return committed(chain.error());
        if (!chain->ok)
            return mismatch(
                QStringLiteral("its audit chain does not verify: %1").arg(chain->problem));
        report.auditRows = chain->rows;
        return report;
    }

    Status verifyCounts(StoreCopy::Report &report)
    {
        for (const Copied &t : Tables) {
            const QString table = QLatin1String(t.table);
            auto a = countRows(m_from, m_fromName, table);
            auto b = countRows(m_dest, m_destName, table);
            if (!a || !b)
                return mismatch(QStringLiteral("%1 cannot be counted").arg(table));
            report.tables << StoreCopy::Table{table, a.value(), b.value()};
            if (a.value() != b.value())
                return mismatch(QStringLiteral("%1 has %2 rows there, %3 here")
                                    .arg(table)
                                    .arg(b.value())
                                    .arg(a.value()));
        }
        return {};
    }

    /// Ends the source's read snapshot.
    Status verifyLedger(StoreCopy::Report &report)
    {
        auto ours = ledgerDigest(m_from, m_fromName);
        auto theirs = ledgerDigest(m_dest, m_destName);
        endReading();
        if (!ours)
            return committed(ours.error());
        if (!theirs)
            return committed(theirs.error());
        for (auto it = ours->cbegin(); it != ours->cend(); ++it) {
            if (theirs->value(it.key()) != it.value())
                return mismatch(QStringLiteral("the ledger of target %1 differs").arg(it.key()));
            report.ledgerRows += it->first;
            report.ledgerDigest ^= it->second;
        }
        if (theirs->size() != ours->size())
            return mismatch(QStringLiteral("the ledger has targets that the source has not"));
        return {};
    }

    QSqlDatabase m_from, m_dest;
    const QString m_fromName, m_destName; ///< the store's path, the database's URL (no password)
    const QString m_url;                  ///< as given (PostgresStateStore opens it again)
};

} // namespace

Result<StoreCopy::Report> StoreCopy::toPostgres(const QString &sqlitePath, const QString &text)
{
    QString who;
    if (Store::isHeld(sqlitePath, &who))
        return makeError(
            QStringLiteral("store.held"),
            QStringLiteral("store %1 is open in %2: stop it first (what it accepts "
                           "after the copy would not be in PostgreSQL)")
                .arg(sqlitePath, who.isEmpty() ? QStringLiteral("another engine") : who));
    auto url = PostgresUrl::parse(text);
    if (!url)
        return url.error();
    auto source = Store::open(sqlitePath);
    if (!source)
        return source.error();
    const ConnectionCloser closer{PostgresSchema::newConnectionName("copy")};
    auto opened = PostgresSchema::open(url.value(), closer.name);
    if (!opened)
        return opened.error();
    return CopyRun(source.value()->database(), sqlitePath, opened.value(), url->toString(), text)
        .run();
}

} // namespace jobfirst
