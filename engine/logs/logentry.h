// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace jobfirst {

/// One line of the engine's log (the plan's 日志聚合): engine, health, delivery and audit
/// events in one place. Health and audit lines come from their own tables; the rest are kept
/// in the store's log with `log_retention`.
struct LogEntry
{
    QString source;    ///< "log", "health" or "audit": which table it comes from
    qint64 id = 0;     ///< row id within its source
    qint64 at = 0;     ///< ms since epoch
    QString level;     ///< debug, info, warning, error
    QString component; ///< engine, health, delivery, config, alert, audit, api
    QString kind;      ///< what happened, for programs and translations: "health.down", "alert.circuit.open", ...
    QString node;
    QString target;
    QString message;   ///< English, one line
    QJsonObject fields;
};

/// What to read from the log: newest first, filtered.
struct LogQuery
{
    QString minLevel = QStringLiteral("debug");
    QString node;      ///< only lines about this node
    QString target;    ///< only lines about this sync target
    QString text;      ///< in the message, kind or component
    qint64 since = 0;  ///< ms since epoch, inclusive; 0: no bound
    qint64 until = 0;  ///< ms since epoch, inclusive; 0: no bound
    int limit = 500;
};

/// 0 debug, 1 info, 2 warning, 3 error; -1 for anything else.
int logLevelRank(const QString &level);

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::LogEntry)
