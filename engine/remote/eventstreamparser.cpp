// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/eventstreamparser.h"

namespace jobfirst {

QList<StreamEvent> EventStreamParser::feed(const QByteArray &bytes)
{
    QList<StreamEvent> out;
    m_buffer += bytes;
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = m_buffer.indexOf('\n', start);
        if (nl < 0)
            break;
        qsizetype end = nl;
        if (end > start && m_buffer.at(end - 1) == '\r')
            --end;
        line(m_buffer.mid(start, end - start), out);
        start = nl + 1;
    }
    m_buffer.remove(0, start);
    return out;
}

void EventStreamParser::line(const QByteArray &line, QList<StreamEvent> &out)
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
    const QByteArray field = colon < 0 ? line : line.left(colon);
    QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
    if (value.startsWith(' '))
        value.remove(0, 1);
    if (field == "event") {
        m_event = value;
    } else if (field == "data") {
        if (m_hasData)
            m_data += '\n';
        m_data += value;
        m_hasData = true;
    }
}

} // namespace jobfirst
