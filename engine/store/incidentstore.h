// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "core/result.h"

#include <QList>

namespace jobfirst {

class Store;

/// The open incidents of the engine on a store (table incidents of its SQLite file, its own
/// file beside a shared PostgreSQL), so that an engine started again on the store takes them
/// back: same id, start time and count. A resolved incident's row is deleted; the highest id
/// ever given is kept apart (meta "incident_id_high"), so an id never names two incidents,
/// even one that began and ended between two saves. On the store's connection: use it on the
/// thread that opened the store.
class IncidentStore final
{
public:
    explicit IncidentStore(Store *store) : m_store(store) {}

    /// The incidents left open, oldest id first.
    Result<QList<Alert>> openIncidents() const;
    /// The highest id given so far (0: none).
    Result<qint64> highestId() const;
    /// Gives the next incident id: one above the highest given so far on the store and
    /// `usedHere` (ids this engine gave without the store), recorded as the highest in the same
    /// write transaction. Two engines on one file (a standby console beside a daemon) never get
    /// one id: the transaction takes the write lock before it reads.
    Result<qint64> takeNextId(qint64 usedHere);
    /// Writes what changed in one transaction: an open incident's row is written (made or
    /// replaced), a resolved one's deleted; `highestId` is recorded when above the stored one.
    Status save(const QList<Alert> &changed, qint64 highestId);

private:
    Status write(const QList<Alert> &changed, qint64 highestId);
    /// Raises meta "incident_id_high" to `highestId` (never lowers it).
    Status recordHighestId(qint64 highestId);

    Store *m_store;
};

} // namespace jobfirst
