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
    QString before;       ///< JSON or text, may be empty
    QString after;
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::AuditEntry)
