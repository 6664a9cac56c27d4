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
    const QString to = url->toString();
    auto source = Store::open(sqlitePath);
    if (!source)
        return source.error();
    QSqlDatabase from = source.value()->database();
    const QString connection = PostgresSchema::newConnectionName("copy");
    struct Closer
    {
        QString name;
        ~Closer()
        {
            {
                QSqlDatabase db = QSqlDatabase::database(name, false);
                if (db.isValid())
                    db.close();
            }
            QSqlDatabase::removeDatabase(name);
        }
    } closer{connection};
    auto opened = PostgresSchema::open(url.value(), connection);
    if (!opened)
        return opened.error();
    QSqlDatabase dest = opened.value();

    // Only into an empty database: a copy over rows of another store would mix two ledgers
    // and two audit chains.
    QStringList holding;
    for (const Copied &t : Tables) {
        auto n = countRows(dest, to, QLatin1String(t.table));
        if (!n)
            return n.error();
        if (n.value() > 0)
            holding << QStringLiteral("%1 rows in %2").arg(n.value()).arg(QLatin1String(t.table));
    }
    if (!holding.isEmpty())
        return makeError(QStringLiteral("store.not_empty"),
                         QStringLiteral("%1 is not empty (%2): store copy only fills an empty "
                                        "database; nothing was copied")
                             .arg(to, holding.join(QStringLiteral(", "))));

    // One read snapshot of the source, one transaction at the destination.
    QSqlQuery read(from);
    if (!read.exec(QStringLiteral("BEGIN")))
        return sqlError(sqlitePath, QStringLiteral("begin reading"), read);
    QSqlQuery write(dest);
    const auto fail = [&](const Error &e) -> Error {
        QSqlQuery(dest).exec(QStringLiteral("ROLLBACK"));
        QSqlQuery(from).exec(QStringLiteral("ROLLBACK"));
        return e;
    };
    if (!write.exec(QStringLiteral("BEGIN")))
        return fail(sqlError(to, QStringLiteral("begin the copy"), write));
    for (const Copied &t : Tables) {
        const QString table = QLatin1String(t.table);
        const QStringList columns = QString::fromLatin1(t.columns).split(QStringLiteral(", "));
        QStringList marks(columns.size(), QStringLiteral("?"));
        QString insert = QStringLiteral("INSERT INTO %1(%2%3) VALUES (%4%5)")
                             .arg(table, QLatin1String(t.columns),
                                  t.partitioned ? QStringLiteral(", part") : QString(),
                                  marks.join(QStringLiteral(", ")),
                                  t.partitioned ? QStringLiteral(", ?") : QString());
        if (!write.prepare(insert))
            return fail(sqlError(to, QStringLiteral("prepare the copy of %1").arg(table), write));
        QSqlQuery rows(from);
        rows.setForwardOnly(true);
        if (!rows.exec(QStringLiteral("SELECT %1 FROM %2").arg(QLatin1String(t.columns), table)))
            return fail(sqlError(sqlitePath, QStringLiteral("read %1").arg(table), rows));
        while (rows.next()) {
            for (int c = 0; c < columns.size(); ++c) {
                QVariant v = rows.value(c);
                if (c == t.byteaColumn)
                    v = v.toString().toUtf8();
                else if (v.isNull())
                    v = QStringLiteral("");
                write.bindValue(c, v);
            }
            if (t.partitioned)
                write.bindValue(int(columns.size()),
                                PostgresSchema::partitionOf(rows.value(3).toString(),
                                                            rows.value(1).toLongLong()));
            if (!write.exec())
                return fail(sqlError(to, QStringLiteral("copy a row of %1").arg(table), write));
        }
        if (*t.serial) {
            // New rows continue after the copied ids.
            QSqlQuery seq(dest);
            if (!seq.exec(QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', '%2'),"
                                         " COALESCE(MAX(%2), 1), MAX(%2) IS NOT NULL) FROM %1")
                              .arg(table, QLatin1String(t.serial))))
                return fail(sqlError(to, QStringLiteral("move the ids of %1 on").arg(table), seq));
        }
    }
    {
        QSqlQuery head(from);
        if (!head.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'audit_head'")))
            return fail(sqlError(sqlitePath, QStringLiteral("read the audit head"), head));
        if (head.next()) {
            write.prepare(QStringLiteral("INSERT INTO cluster_meta(key, value) VALUES"
                                         " ('audit_head', ?)"));
            write.bindValue(0, head.value(0).toString());
            if (!write.exec())
                return fail(sqlError(to, QStringLiteral("record the audit head"), write));
        }
    }
    if (!write.exec(QStringLiteral("COMMIT")))
        return fail(sqlError(to, QStringLiteral("commit the copy"), write));

    // Verified from what is committed there, against the same snapshot of the source. The
    // rows are in PostgreSQL whatever the checks find: every error from here on says so.
    Report report;
    const auto committed = [](Error e) {
        e.message += QStringLiteral(" (the copy was committed; drop the database before trying"
                                    " again)");
        return e;
    };
    const auto mismatch = [&](const QString &what) {
        QSqlQuery(from).exec(QStringLiteral("ROLLBACK"));
        return committed(makeError(
            QStringLiteral("store.copy_mismatch"),
            QStringLiteral("the copy of %1 in %2 does not match: %3").arg(sqlitePath, to, what)));
    };
    for (const Copied &t : Tables) {
        const QString table = QLatin1String(t.table);
        auto a = countRows(from, sqlitePath, table);
        auto b = countRows(dest, to, table);
        if (!a || !b)
            return mismatch(QStringLiteral("%1 cannot be counted").arg(table));
        report.tables << Table{table, a.value(), b.value()};
        if (a.value() != b.value())
            return mismatch(QStringLiteral("%1 has %2 rows there, %3 here")
                                .arg(table)
                                .arg(b.value())
                                .arg(a.value()));
    }
    auto ours = ledgerDigest(from, sqlitePath);
    auto theirs = ledgerDigest(dest, to);
    QSqlQuery(from).exec(QStringLiteral("ROLLBACK"));
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
    auto state = PostgresStateStore::open(text);
    if (!state)
        return committed(state.error());
    auto chain = state.value()->verifyAuditChain();
    if (!chain)
        return committed(chain.error());
    if (!chain->ok)
        return mismatch(QStringLiteral("its audit chain does not verify: %1").arg(chain->problem));
    report.auditRows = chain->rows;
    return report;
}

} // namespace jobfirst
