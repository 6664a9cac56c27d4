// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace jobfirst {

/// Keeps OpenSSL's shared state (its locks, its registry of threads) until the process is
/// gone, instead of freeing it in OpenSSL's atexit handler.
///
/// Qt starts its threads detached: QThread::wait() returns once the thread's run has ended,
/// before the thread's own exit runs OpenSSL's thread-local cleanup, which takes those locks.
/// A program that stops its engine and returns from main at once (jobfirstctl does, every
/// command) could free them under that cleanup: a heap corruption at exit ("corrupted size vs.
/// prev_size in fastbins", exit 6), once in hundreds of runs. ThreadSanitizer shows the
/// pair: the main thread's CRYPTO_THREAD_lock_free against the engine thread's lock.
///
/// Takes effect only before OpenSSL's first use in the process: each program calls it first
/// in main, and every engine host (in tests too) when it is made. Calls after the first do
/// nothing.
void keepCryptoUntilExit();

} // namespace jobfirst
