// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/snapshotreader.h"

#include "api/codec.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstring>

namespace jobfirst {

namespace {

/// Where the values of a JSON text begin and end, found without building them: enough to
/// cut a snapshot into its rows. What lies between is not checked here; every piece is
/// parsed by QJsonDocument before it is used (or is byte for byte a piece parsed before).
class JsonSpans
{
public:
    explicit JsonSpans(const QByteArray &text) : m_p(text.constData()), m_n(text.size()) {}

    struct Member
    {
        QByteArrayView key; ///< as written, without the quotes
        qsizetype begin = 0, end = 0;
    };
    struct Span
    {
        qsizetype begin = 0, end = 0;
    };

    qsizetype skipSpace(qsizetype i) const
    {
        while (i < m_n && (m_p[i] == ' ' || m_p[i] == '\n' || m_p[i] == '\r' || m_p[i] == '\t'))
            ++i;
        return i;
    }
    bool at(qsizetype i, char c) const { return i < m_n && m_p[i] == c; }

    /// The end of the string that starts (with its quote) at i, or -1.
    qsizetype stringEnd(qsizetype i) const
    {
        qsizetype from = i + 1;
        for (;;) {
            const void *q =
                from < m_n ? std::memchr(m_p + from, '"', std::size_t(m_n - from)) : nullptr;
            if (!q)
                return -1;
            const qsizetype quote = static_cast<const char *>(q) - m_p;
            qsizetype slashes = 0;
            while (quote - 1 - slashes > i && m_p[quote - 1 - slashes] == '\\')
                ++slashes;
            if (slashes % 2 == 0)
                return quote + 1;
            from = quote + 1;
        }
    }

    /// The end of the value that starts at i, or -1.
    qsizetype valueEnd(qsizetype i) const
    {
        if (i >= m_n)
            return -1;
        if (m_p[i] == '"')
            return stringEnd(i);
        if (m_p[i] == '{' || m_p[i] == '[') {
            int depth = 0;
            for (qsizetype j = i; j < m_n;) {
                const char c = m_p[j];
                if (c == '"') {
                    j = stringEnd(j);
                    if (j < 0)
                        return -1;
                    continue;
                }
                if (c == '{' || c == '[')
                    ++depth;
                else if ((c == '}' || c == ']') && --depth == 0)
                    return j + 1;
                ++j;
            }
            return -1;
        }
        qsizetype j = i;
        while (j < m_n && !std::strchr(",}] \t\r\n", m_p[j]))
            ++j;
        return j > i ? j : -1;
    }

    /// The members of the object at i; false if it is not one.
    bool members(qsizetype i, QList<Member> &out, qsizetype *end = nullptr) const
    {
        i = skipSpace(i);
        if (!at(i, '{'))
            return false;
        i = skipSpace(i + 1);
        if (at(i, '}'))
            return end ? (*end = i + 1, true) : true;
        for (;;) {
            if (!at(i, '"'))
                return false;
            const qsizetype keyEnd = stringEnd(i);
            if (keyEnd < 0)
                return false;
            const QByteArrayView key(m_p + i + 1, keyEnd - i - 2);
            i = skipSpace(keyEnd);
            if (!at(i, ':'))
                return false;
            i = skipSpace(i + 1);
            const qsizetype valueEnd = this->valueEnd(i);
            if (valueEnd < 0)
                return false;
            out.append(Member{key, i, valueEnd});
            i = skipSpace(valueEnd);
            if (at(i, ',')) {
                i = skipSpace(i + 1);
                continue;
            }
            if (!at(i, '}'))
                return false;
            if (end)
                *end = i + 1;
            return true;
        }
    }

    /// The elements of the array at i; false if it is not one.
    bool elements(qsizetype i, QList<Span> &out) const
    {
        i = skipSpace(i);
        if (!at(i, '['))
            return false;
        i = skipSpace(i + 1);
        if (at(i, ']'))
            return true;
        for (;;) {
            const qsizetype end = valueEnd(i);
            if (end < 0)
                return false;
            out.append(Span{i, end});
            i = skipSpace(end);
            if (at(i, ',')) {
                i = skipSpace(i + 1);
                continue;
            }
            return at(i, ']');
        }
    }

    /// The one member named `key` in `members`; nullptr if there is none, or more than one.
    static const Member *find(const QList<Member> &members, QByteArrayView key, bool *twice)
    {
        const Member *found = nullptr;
        for (const Member &m : members)
            if (m.key == key) {
                if (found)
                    *twice = true;
                found = &m;
            }
        return *twice ? nullptr : found;
    }

private:
    const char *m_p;
    qsizetype m_n;
};

} // namespace

template <typename T>
bool SnapshotReader::decodeRows(const QByteArray &json, qsizetype begin, Rows<T> &rows,
                                QList<T> &out)
{
    QList<JsonSpans::Span> spans;
    if (!JsonSpans(json).elements(begin, spans))
        return false;
    Rows<T> next;
    next.text = json; // shared, not copied: the views below point into it
    next.byJson.reserve(spans.size());
    out.reserve(spans.size());
    for (const JsonSpans::Span &s : spans) {
        const QByteArrayView row(json.constData() + s.begin, s.end - s.begin);
        if (auto known = rows.byJson.constFind(row); known != rows.byJson.cend()) {
            out.append(known.value());
        } else {
            QJsonParseError error;
            const QJsonDocument doc =
                QJsonDocument::fromJson(QByteArray::fromRawData(row.data(), row.size()), &error);
            if (error.error != QJsonParseError::NoError || !doc.isObject())
                return false;
            auto decoded = codec::decode<T>(doc.object());
            if (!decoded)
                return false;
            out.append(std::move(decoded).value());
            ++m_parsedRows;
        }
        next.byJson.insert(row, out.constLast());
    }
    rows = std::move(next);
    return true;
}

Result<EngineSnapshot> SnapshotReader::read(const QByteArray &json)
{
    m_parsedRows = 0;
    const JsonSpans spans(json);
    QList<JsonSpans::Member> top;
    qsizetype end = 0;
    if (!spans.members(0, top, &end) || spans.skipSpace(end) != json.size())
        return readWhole(json);
    bool twice = false;
    const JsonSpans::Member *nodes = JsonSpans::find(top, "nodes", &twice);
    const JsonSpans::Member *sync = JsonSpans::find(top, "sync", &twice);
    if (twice || !nodes || !spans.at(nodes->begin, '['))
        return readWhole(json);
    QList<JsonSpans::Member> syncMembers;
    const JsonSpans::Member *targets = nullptr;
    if (sync && spans.members(sync->begin, syncMembers)) {
        targets = JsonSpans::find(syncMembers, "targets", &twice);
        if (twice || (targets && !spans.at(targets->begin, '[')))
            return readWhole(json);
    }

    // The snapshot without its rows: small, parsed as a whole.
    QList<const JsonSpans::Member *> cut{nodes};
    if (targets)
        cut << targets;
    std::sort(cut.begin(), cut.end(),
              [](const auto *a, const auto *b) { return a->begin < b->begin; });
    QByteArray rest;
    rest.reserve(1024);
    qsizetype from = 0;
    for (const JsonSpans::Member *m : cut) {
        rest.append(json.constData() + from, m->begin - from);
        rest.append("[]");
        from = m->end;
    }
    rest.append(json.constData() + from, json.size() - from);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(rest, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return readWhole(json);
    auto decoded = codec::decode<EngineSnapshot>(doc.object());
    if (!decoded)
        return readWhole(json);

    QList<NodeStatus> nodeRows;
    QList<TargetStatus> targetRows;
    if (!decodeRows(json, nodes->begin, m_nodes, nodeRows) ||
        (targets && !decodeRows(json, targets->begin, m_targets, targetRows)))
        return readWhole(json);
    EngineSnapshot snapshot = std::move(decoded).value();
    snapshot.nodes = std::move(nodeRows);
    if (targets)
        snapshot.sync.targets = std::move(targetRows);
    return snapshot;
}

Result<EngineSnapshot> SnapshotReader::readWhole(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    // Not JSON, or not a snapshot: nothing is drawn from it (an empty object would read as a
    // cluster without nodes).
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return makeError(QStringLiteral("remote.bad_answer"),
                         QStringLiteral("a snapshot that is not JSON"));
    auto snapshot = codec::decode<EngineSnapshot>(doc.object());
    if (snapshot)
        m_parsedRows = snapshot->nodes.size() + snapshot->sync.targets.size();
    return snapshot;
}

} // namespace jobfirst
