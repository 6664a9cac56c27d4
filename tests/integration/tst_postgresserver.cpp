// SPDX-License-Identifier: GPL-3.0-or-later
// The PostgreSQL that tests start for themselves: made, reached through QtSql's QPSQL driver,
// restarted, and still holding what was committed.
#include "postgresserver.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QtTest>

class TestPostgresServer final : public QObject
{
    Q_OBJECT

    static QSqlDatabase connect(const PostgresServer &pg, const QString &name)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(pg.port());
        db.setUserName(pg.user());
        db.setDatabaseName(pg.database());
        return db;
    }

private slots:
    void aServerOfTheTestsOwn()
    {
        QVERIFY2(QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")), "the QPSQL driver (libqt6sql6-psql) is missing");
        PostgresServer pg;
        QVERIFY(pg.start());
        {
            QSqlDatabase db = connect(pg, QStringLiteral("first"));
            QVERIFY2(db.open(), qPrintable(db.lastError().text()));
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("CREATE TABLE kept (id SERIAL PRIMARY KEY, what TEXT NOT NULL)")));
            QVERIFY(q.exec(QStringLiteral("INSERT INTO kept(what) VALUES ('before the restart')")));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("first"));
        QVERIFY(pg.restart());
        QCOMPARE(pg.psql(QStringLiteral("SELECT what FROM kept")), QStringLiteral("before the restart"));
        QVERIFY(pg.stop());
    }
};

QTEST_GUILESS_MAIN(TestPostgresServer)
#include "tst_postgresserver.moc"
