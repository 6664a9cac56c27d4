// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

#include <initializer_list>

class QSocketNotifier;

namespace jobfirst {

/// Turns Unix signals (SIGTERM, SIGINT, SIGHUP) into a Qt signal on the event loop: the
/// handler only writes the signal number to a socket pair, which is safe in a signal handler.
/// One watcher per process.
class UnixSignalWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UnixSignalWatcher)

public:
    explicit UnixSignalWatcher(std::initializer_list<int> numbers, QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

signals:
    void received(int signal);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace jobfirst
