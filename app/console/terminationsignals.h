// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// Quits the application on SIGTERM and SIGINT, on the GUI thread. The handler only writes a
/// byte to a socket pair, which is all a signal handler may safely do: calling
/// QCoreApplication::quit() inside the handler deadlocked now and then, when the signal
/// interrupted a thread holding Qt's event-queue lock or malloc's. Call after QApplication
/// exists.
void quitOnTerminationSignals();
