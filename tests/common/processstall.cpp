// SPDX-License-Identifier: GPL-3.0-or-later
#include "processstall.h"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {

/// nanosleep, whole even when a signal interrupts it (async-signal-safe: used after fork).
void sleepMs(qint64 ms)
{
    timespec left{time_t(ms / 1000), long(ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0) {
    }
}

} // namespace

bool stallThisProcess(qint64 stallMs, const QList<qint64> &alsoStopped, qint64 othersLaterMs)
{
    const std::vector<pid_t> others(alsoStopped.cbegin(), alsoStopped.cend());
    for (pid_t pid : others)
        ::kill(pid, SIGSTOP);
    const pid_t self = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
        for (pid_t pid : others)
            ::kill(pid, SIGCONT);
        return false;
    }
    if (child == 0) {
        // Only async-signal-safe calls in the child of a threaded process.
        sleepMs(stallMs);
        ::kill(self, SIGCONT);
        sleepMs(othersLaterMs);
        for (pid_t pid : others)
            ::kill(pid, SIGCONT);
        ::_exit(0);
    }
    ::raise(SIGSTOP); // every thread of this process stops here until the child continues it
    // Reaped off this thread: the event loop runs on at once, as a continued console's does.
    std::thread([child] {
        while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
        }
    }).detach();
    return true;
}
