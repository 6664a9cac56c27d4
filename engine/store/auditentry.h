// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>

namespace jobfirst {

/// One operator action as kept in the audit log.
struct AuditEntry
{
    qint64 id = 0;
    qint64 timestamp = 0; ///< ms since epoch
    QString actor;        ///< who: "console:alice", "jobfirstctl:root", "engine"
    QString action;       ///< what: "node.add", "node.weight", "config.apply", "dlq.discard"...
    QString subject;      ///< on what: a node id, a target name, a delivery id
    QString before;       ///< JSON or text, may be empty; secrets masked when written
    QString after;
    QString prevHash = {}; ///< hash of the row before (hex SHA-256; "" for the first row)
    QString hash = {};     ///< SHA-256 over prevHash and this row's fields (Store::auditHash)
};

/// What verifying the audit chain found (Store::verifyAuditChain).
struct AuditVerification
{
    qint64 rows = 0;       ///< rows checked
    bool ok = true;
    qint64 firstBadId = 0; ///< the first row that does not match (0 when ok)
    QString problem;       ///< why it does not match, naming the row
    QString headHash;      ///< hash of the last row: record it elsewhere to detect truncation
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::AuditEntry)
