// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace jobfirst {

/// One Server-Sent Event: its type ("message" when unnamed) and its data lines joined.
struct StreamEvent
{
    QByteArray event;
    QByteArray data;
};

/// Splits a text/event-stream into events as bytes arrive, in whatever pieces the network
/// delivers them (a line or an event may be cut anywhere). Comments are dropped.
class EventStreamParser final
{
public:
    QList<StreamEvent> feed(const QByteArray &bytes);
    /// Bytes held back while a line is incomplete; a cap stops a peer that never ends a line.
    qsizetype pending() const { return m_buffer.size(); }

private:
    void line(QByteArrayView line, QList<StreamEvent> &out);

    QByteArray m_buffer;
    QByteArray m_event;
    QByteArray m_data;
    bool m_hasData = false;
};

} // namespace jobfirst
