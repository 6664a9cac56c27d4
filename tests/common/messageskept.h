// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMutex>
#include <QMutexLocker>
#include <QString>
#include <QStringList>
#include <QtGlobal>

/// Keeps the messages logged while it lives that contain `part`, from whichever thread logs
/// them (an engine's own threads too), passing every message on to QtTest. One at a time.
class MessagesKept final
{
public:
    explicit MessagesKept(QString part)
    {
        const QMutexLocker lock(&s_mutex);
        s_part = std::move(part);
        s_kept.clear();
        s_previous = qInstallMessageHandler(&MessagesKept::handle);
    }
    ~MessagesKept() { qInstallMessageHandler(s_previous); }
    Q_DISABLE_COPY_MOVE(MessagesKept)

    /// The messages kept so far, oldest first.
    QStringList kept() const
    {
        const QMutexLocker lock(&s_mutex);
        return s_kept;
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        {
            const QMutexLocker lock(&s_mutex);
            if (message.contains(s_part))
                s_kept.append(message);
        }
        s_previous(type, context, message);
    }
    static inline QMutex s_mutex;
    static inline QString s_part;
    static inline QStringList s_kept;
    static inline QtMessageHandler s_previous = nullptr;
};
