// SPDX-License-Identifier: GPL-3.0-or-later
#include "damagedstore.h"

#include "store/store.h"

#include <QFile>
#include <QSqlQuery>

using namespace jobfirst;

bool makeCorruptStore(const QString &file)
{
    {
        auto store = Store::open(file);
        if (!store)
            return false;
        QSqlQuery q(store.value()->database());
        for (int i = 0; i < 300; ++i)
            q.exec(QStringLiteral("INSERT INTO health_events(node_id, ts, from_state, "
                                  "to_state, reason) VALUES ('n%1', %1, 'up', 'down', '%2')")
                       .arg(i)
                       .arg(QString(200, u'r')));
        q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    QFile f(file);
    if (!f.open(QIODevice::ReadWrite))
        return false;
    f.seek(f.size() / 2);
    return f.write(QByteArray(4096 * 3, '\xA5')) == 4096 * 3;
}
