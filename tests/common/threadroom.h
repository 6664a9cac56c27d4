// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFile>

#include <cstddef>
#include <functional>

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/// How a child process ended: the signal that ended it (0: none), else its exit code.
struct ChildEnd
{
    int signal = 0;
    int code = -1;
};

/// Limits this process so that only `threads` more threads can start: thread stacks are
/// made 64 MiB and the address space limited to what it uses now, that many stacks and
/// 32 MiB besides (for memory, which cannot hold another stack). 0, or why it could not.
inline int limitRoomForThreads(int threads)
{
    constexpr std::size_t Stack = 64u << 20;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, Stack);
    if (pthread_setattr_default_np(&attr) != 0)
        return 100;
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 101;
    const std::size_t used =
        statm.readAll().split(' ').value(0).toULongLong() * std::size_t(sysconf(_SC_PAGESIZE));
    rlimit limit{};
    getrlimit(RLIMIT_AS, &limit);
    limit.rlim_cur = used + std::size_t(threads) * Stack + Stack / 2;
    return setrlimit(RLIMIT_AS, &limit) == 0 ? 0 : 102;
}

/// Runs `body` in a child process in which only `threads` more threads can start, as in a
/// process out of threads: std::thread throws std::system_error for the next one
/// (limitRoomForThreads()). `setUp` runs there first, before the limit. The child exits with
/// what `body` returns (103 if it or `setUp` threw, 104 if `setUp` returned false), or is
/// killed after two minutes. Not under a sanitizer: its shadow memory needs the room.
inline ChildEnd runWithRoomForThreads(int threads, const std::function<int()> &body,
                                      const std::function<bool()> &setUp = {})
{
    const pid_t child = fork();
    if (child < 0)
        return {};
    if (child == 0) {
        // One malloc arena: a thread's own would take 64 MiB of the room.
        mallopt(M_ARENA_MAX, 1);
        // Nothing may leave the child but its exit code: an exception caught by the test
        // runner would run the remaining tests in the child too (and hang on its watchdog).
        int code = 103;
        try {
            if (setUp && !setUp())
                _exit(104);
            code = limitRoomForThreads(threads);
            if (code == 0)
                code = body();
        } catch (...) {
        }
        _exit(code);
    }
    // A child that hangs is ended, generously late, rather than the test runner's watchdog
    // ending this process with it.
    int status = 0;
    pid_t ended = 0;
    for (int waited = 0; ended == 0 && waited < 120000; waited += 10) {
        ended = waitpid(child, &status, WNOHANG);
        if (ended == 0)
            usleep(10000);
    }
    if (ended == 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    } else if (ended != child) {
        return {};
    }
    if (WIFSIGNALED(status))
        return {WTERMSIG(status), -1};
    return {0, WEXITSTATUS(status)};
}
