// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace jobfirst {

/// How soon an event must go out (the plan's three sync modes).
enum class SyncMode {
    RealTime,     ///< dispatched at once
    NearRealTime, ///< coalesced per user and target within the batch window
    Bulk,         ///< historical migration, lowest priority
};

/// A change of one user's data that must reach every target that receives its type.
struct SyncEvent
{
    QString eventId;   ///< idempotency id; generated when empty
    QString type;      ///< "user.created", "user.updated", "session", ...
    QString userId;
    QJsonObject data;  ///< username, email, role, status, token, expiry, permissions, quota...
    qint64 version = 0;   ///< assigned by the outbox: increases with every accepted event
    qint64 createdAt = 0; ///< ms since epoch, set by the outbox when zero
    /// `data` as the JSON text it came in, when it is kept as written (a bulk import's user
    /// records, see RawJsonObject); `data` is then left empty and the payload carries this.
    QByteArray dataJson;

    /// Checks type, user id and event id (see idProblem); the error names the field.
    Status validate() const;
    /// The wire form (without version, which the outbox adds when sending).
    QByteArray toPayload() const;
    /// An event as a client or a file writes it. A field the engine does not know is refused
    /// with its name (and the known field it looks like): a misspelled "data" or "user_id"
    /// would otherwise be queued as an event without it (docs/api.md, "Unknown fields").
    static Result<SyncEvent> fromJson(const QJsonObject &o);
    /// The fields fromJson reads (id, type, user_id, data) and those it takes back as the
    /// engine wrote them and ignores (version, created_at, timestamp).
    static bool isKnownField(QStringView name);
};

/// Longest event or user id, in UTF-8 bytes.
constexpr int MaxIdBytes = 128;
/// Default of sync_max_event_bytes: one event's payload at most.
constexpr qint64 DefaultMaxEventBytes = 1024 * 1024;

/// Why `id` cannot be an event or user id ("" when it can): at most MaxIdBytes, printable
/// characters only (no control or format characters).
QString idProblem(const QString &id);

/// Event types the engine knows; config routing refers to them.
QStringList knownEventTypes();
/// Types that go to Basic Server nodes (cluster sync) rather than services.
bool isClusterEventType(const QString &type);

/// A copy of `data` fit for logs and screens: tokens, passwords and secrets are masked.
QJsonObject redactSecrets(const QJsonObject &data);

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::SyncEvent)
