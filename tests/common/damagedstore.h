// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

/// Makes `file` a JobFirst store with a page in the middle overwritten, as a bad disk or a bad
/// copy leaves it: it opens no more ("store.corrupt"). False when it could not be made.
bool makeCorruptStore(const QString &file);
