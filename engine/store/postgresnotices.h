// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

class QSqlDatabase;

namespace jobfirst {

/// Routes what the server says beside its answers on `db`'s connection (a WARNING, a NOTICE
/// should one come) into the Qt log as "postgresql: …" at level warning (info for a notice):
/// jobfirstd's log is one JSON object per line, and libpq's default prints them raw to
/// stderr. Call after each open(): a connection opened again is a new libpq connection.
void routePostgresNotices(const QSqlDatabase &db);

} // namespace jobfirst
