// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace jobfirst {

/// Where the console keeps the tokens it remembers: one file per engine URL, readable only by
/// this user (0600 in a 0700 folder), never in the settings file. Blocking file work: call it
/// off the GUI thread.
class TokenVault final
{
public:
    /// Writes the token for `server`; answers the file's path.
    static Result<QString> store(const QUrl &server, const QByteArray &token);
    static Result<QByteArray> load(const QString &path);
    /// Deletes the token remembered for `server`, if there is one: a connection the operator
    /// chose not to remember must not leave the last one for the next start.
    static Status forget(const QUrl &server);
    /// The file that holds (or would hold) the token remembered for `server`.
    static QString pathFor(const QUrl &server);
    static QString folder();
};

} // namespace jobfirst
