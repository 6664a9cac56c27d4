// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/auditchain.h"

#include "store/store.h"

#include <QSqlQuery>
#include <QVariant>

namespace jobfirst {

AuditVerification AuditChain::verify(QSqlQuery &q, const QString &head)
{
    AuditVerification v;
    QString prev;
    qint64 prevId = 0;
    const auto bad = [&v](qint64 id, const QString &why) {
        v.ok = false;
        v.firstBadId = id;
        v.problem = QStringLiteral("row %1: %2").arg(id).arg(why);
    };
    while (q.next()) {
        const AuditEntry a{q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toString(),
                           q.value(3).toString(),   q.value(4).toString(),   q.value(5).toString(),
                           q.value(6).toString(),   q.value(7).toString(),   q.value(8).toString()};
        ++v.rows;
        if (a.prevHash != prev) {
            bad(a.id,
                prevId
                    ? QStringLiteral(
                          "its prev_hash is not the hash of row %1: a row before it was removed, "
                          "added or changed")
                          .arg(prevId)
                    : QStringLiteral(
                          "it is the first row but names a row before it: the rows before it "
                          "were removed"));
            return v;
        }
        if (Store::auditHash(a.prevHash, a) != a.hash) {
            bad(a.id, QStringLiteral(
                          "its fields do not match its hash: it was changed after it was written"));
            return v;
        }
        prev = a.hash;
        prevId = a.id;
    }
    v.headHash = prev;
    // The chain cannot see rows cut from its end; the head recorded with each append can.
    const QString expected = prevId ? QStringLiteral("%1 %2").arg(prevId).arg(prev) : QString();
    if (head != expected && !(head.isEmpty() && prevId == 0)) {
        const qint64 recorded = head.section(u' ', 0, 0).toLongLong();
        v.ok = false;
        v.firstBadId = recorded > prevId ? prevId + 1 : recorded;
        v.problem =
            recorded > prevId
                ? QStringLiteral(
                      "row %1: missing: the log ends at row %2 but row %3 was written; rows were "
                      "removed from its end")
                      .arg(prevId + 1)
                      .arg(prevId)
                      .arg(recorded)
                : QStringLiteral(
                      "the recorded last row (%1) does not match the log's last row (%2): the "
                      "record or the log was changed")
                      .arg(head.isEmpty() ? QStringLiteral("none") : head.section(u' ', 0, 0))
                      .arg(prevId);
    }
    return v;
}

} // namespace jobfirst
