// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/eventstreamparser.h"

namespace jobfirst {

QList<StreamEvent> EventStreamParser::feed(const QByteArray &bytes)
{
    QList<StreamEvent> out;
    // What was searched before holds no line end: a snapshot's one line (hundreds of kB,
    // in pieces of a few kB) is searched once, not again with each piece.
    qsizetype from = m_buffer.size();
    m_buffer += bytes;
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = m_buffer.indexOf('\n', from);
        if (nl < 0)
            break;
        qsizetype end = nl;
        if (end > start && m_buffer.at(end - 1) == '\r')
            --end;
        line(QByteArrayView(m_buffer).sliced(start, end - start), out);
        start = from = nl + 1;
    }
    m_buffer.remove(0, start);
    return out;
}

void EventStreamParser::line(QByteArrayView line, QList<StreamEvent> &out)
{
    if (line.isEmpty()) {
        if (m_hasData)
            out.append(StreamEvent{m_event.isEmpty() ? QByteArray("message") : m_event, m_data});
        m_event.clear();
        m_data.clear();
        m_hasData = false;
        return;
    }
    if (line.startsWith(':'))
        return;
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView field = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    if (field == "event") {
        m_event = value.toByteArray();
    } else if (field == "data") {
        if (m_hasData)
            m_data += '\n';
        m_data.append(value);
        m_hasData = true;
    }
}

} // namespace jobfirst
