// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSqlDatabase>
#include <QString>

/// Which outbox the sync tests run against. With JOBFIRST_TEST_OUTBOX=postgresql, a PostgreSQL
/// of the test's own is started once per test process (tests/common/postgresserver) and every
/// call of outbox() makes a fresh database in it; otherwise the outbox is the SQLite store.
class OutboxBackend final
{
public:
    static bool postgres();
    /// The outbox for a fixture whose SQLite store is `storePath`: the path itself, or the URL
    /// of a new, empty PostgreSQL database ("" and a QWARN when it could not be made).
    static QString outbox(const QString &storePath);
    /// A connection named `name` to the outbox, for a test's own queries (SQLite: a new
    /// connection to the file).
    static QSqlDatabase open(const QString &outbox, const QString &name);
};
