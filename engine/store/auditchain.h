// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/auditentry.h"

class QSqlQuery;

namespace jobfirst {

/// Verifies a hash-chained audit log, whichever database keeps it (the SQLite store, or
/// PostgreSQL shared by several daemons): the same walk and the same findings for both.
class AuditChain final
{
public:
    /// `rows` has run "SELECT id, ts, actor, action, subject, before, after, prev_hash, hash
    /// FROM audit ORDER BY id"; `head` is the recorded last row ("id hash", "" when none was
    /// recorded). Every row's prev_hash must be the hash of the row before, its hash must match
    /// its fields, and the last row must be the recorded one (rows cut from the end).
    static AuditVerification verify(QSqlQuery &rows, const QString &head);
};

} // namespace jobfirst
