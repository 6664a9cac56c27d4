// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QTimer>

#include <functional>

class QSocketNotifier;

namespace jobfirst {

/// Accepts the connections of a listening socket in Qt's place, and backs off when accept()
/// fails. Qt 6.4 (Debian's 6.4.2) treats EMFILE/ENFILE as a passing error: with the process
/// out of file descriptors its event loop called accept() thousands of times a second (the
/// refused connection stays in the kernel's queue, so the socket stays readable) until a
/// descriptor came free; where Qt reports it instead (acceptError), it pauses the server and
/// nothing resumes it. Here a failure stops accepting for FirstDelayMs, doubling to MaxDelayMs
/// while it keeps failing (nginx waits 500 ms the same way), and the connections waiting are
/// taken as soon as descriptors are free. A burst of failures is logged once (warning, with
/// the error and the file limit) and its end, when no connection waits any more, once (info),
/// never per try.
class BackoffAcceptor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BackoffAcceptor)

public:
    static constexpr int FirstDelayMs = 100;
    static constexpr int MaxDelayMs = 1000;

    /// Accepts on the listening socket `listener`; each accepted descriptor goes to `take`.
    BackoffAcceptor(qintptr listener, std::function<void(qintptr)> take, QObject *parent);

private:
    /// Takes every connection waiting, until none is or accept() fails.
    void acceptWaiting();
    void backOff(int error);
    /// Every waiting connection was taken: a burst of failures, if one was on, is over (one
    /// descriptor coming free for a moment does not end it).
    void caughtUp();

    qintptr m_listener;
    std::function<void(qintptr)> m_take;
    QSocketNotifier *m_readable;
    QTimer m_resume;
    int m_failures = 0; ///< in the current burst
    int m_delayMs = 0;
};

} // namespace jobfirst
