// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace jobfirst {

/// A URL as typed, for messages: without what is between "://" and an '@' of its authority
/// (a user name and password), even when the URL cannot be parsed.
QString withoutUserInfo(const QString &typed);

} // namespace jobfirst
