// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QtGlobal>

/// Stops this whole process with SIGSTOP for `stallMs`, as Ctrl+Z and `fg` do to a console,
/// and with it the processes `alsoStopped` (the nodes it checks, in the same terminal's
/// group). A child continues this process first and the others `othersLaterMs` after it:
/// their answers come after this process's threads woke, as they do when a stopped group is
/// continued (the checker's timers are due at once, the nodes still have to answer).
/// Returns when this process runs again; false when the child could not be made.
bool stallThisProcess(qint64 stallMs, const QList<qint64> &alsoStopped, qint64 othersLaterMs);
