// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/syncevent.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>
#include <QVarLengthArray>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace jobfirst {

QStringList knownEventTypes()
{
    static const QStringList types{QStringLiteral("user.created"),     QStringLiteral("user.updated"), QStringLiteral("user.status"),
                                   QStringLiteral("user.login"),       QStringLiteral("user.logout"),  QStringLiteral("user.permissions"),
                                   QStringLiteral("user.quota"),       QStringLiteral("session"),      QStringLiteral("config"),
                                   QStringLiteral("state")};
    return types;
}

bool isClusterEventType(const QString &type)
{
    return type == u"session" || type == u"config" || type == u"state";
}

QString idProblem(const QString &id)
{
    // A UTF-16 unit is at most 3 UTF-8 bytes: only a long id is converted to be measured.
    if (id.size() > MaxIdBytes || (id.size() * 3 > MaxIdBytes && id.toUtf8().size() > MaxIdBytes))
        return QStringLiteral("is longer than %1 bytes").arg(MaxIdBytes);
    for (const QChar c : id) {
        if (c.unicode() >= 0x20 && c.unicode() < 0x7f)
            continue; // printable ASCII: nothing to look up

        // Control characters (CR/LF would end up in the webhook-id header), format characters
        // (bidi overrides that make a log lie) and unassigned code points are refused.
        switch (c.category()) {
        case QChar::Other_Control:
        case QChar::Other_Format:
        case QChar::Other_Surrogate:
        case QChar::Other_NotAssigned:
        case QChar::Separator_Line:
        case QChar::Separator_Paragraph:
            return QStringLiteral("holds a non-printable character (U+%1)")
                .arg(c.unicode(), 4, 16, QLatin1Char('0'));
        default:
            break;
        }
    }
    return {};
}

namespace {

// A shortened, printable form of an id for messages: the id itself may be what is wrong.
QString shown(const QString &id)
{
    QString out;
    for (const QChar c : id.left(60))
        out += c.isPrint() ? QString(c)
                           : QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
    return id.size() > 60 ? out + QStringLiteral("…") : out;
}

} // namespace

Status SyncEvent::validate() const
{
    if (!knownEventTypes().contains(type))
        return makeError(QStringLiteral("event.invalid_type"),
                         QStringLiteral("event type \"%1\" is not known (%2)")
                             .arg(shown(type), knownEventTypes().join(u", ")));
    if (userId.trimmed().isEmpty())
        return makeError(QStringLiteral("event.invalid_user"),
                         QStringLiteral("event user id is empty"));
    if (const QString why = idProblem(userId); !why.isEmpty())
        return makeError(QStringLiteral("event.invalid_user"),
                         QStringLiteral("event user id \"%1\" %2").arg(shown(userId), why));
    if (const QString why = idProblem(eventId); !why.isEmpty())
        return makeError(QStringLiteral("event.invalid_id"),
                         QStringLiteral("event id \"%1\" %2").arg(shown(eventId), why));
    return {};
}

namespace {

/// An event's wire form while it is written: on the stack for most events, copied into the
/// payload once (QByteArray's own appends and resizes cost ~250 instructions each, a quarter
/// of an event's payload).
class PayloadBytes
{
public:
    void put(char c) { m_bytes.append(c); }
    void put(const char *bytes, qsizetype n) { m_bytes.append(bytes, n); }
    template <qsizetype N> void put(const char (&literal)[N]) { m_bytes.append(literal, N - 1); }
    /// `n` bytes more at the end, to be written through the pointer.
    char *grow(qsizetype n)
    {
        const qsizetype at = m_bytes.size();
        m_bytes.resize(at + n);
        return m_bytes.data() + at;
    }
    qsizetype size() const { return m_bytes.size(); }
    void truncate(qsizetype size) { m_bytes.resize(size); }
    QByteArray toByteArray() const { return QByteArray(m_bytes.constData(), m_bytes.size()); }

private:
    QVarLengthArray<char, 1024> m_bytes;
};

/// `s` as a JSON string the slow way: converted to UTF-8, with quotes, backslashes and
/// control characters escaped as QJsonDocument escapes them.
void appendEscapedJsonString(PayloadBytes &out, QStringView s)
{
    const QByteArray utf8 = s.toUtf8();
    out.put('"');
    const char *run = utf8.constData(); // bytes not yet appended, copied a run at a time
    const char *const end = run + utf8.size();
    for (const char *c = run; c != end; ++c) {
        const auto b = static_cast<unsigned char>(*c);
        if (b >= 0x20 && b != '"' && b != '\\')
            continue; // UTF-8 sequences and DEL go out as they are
        out.put(run, c - run);
        run = c + 1;
        // The characters JSON names (\" \\ \b \f \n \r \t); other controls as \u00XX.
        static constexpr char named[][2] = {{'"', '"'},  {'\\', '\\'}, {'\b', 'b'}, {'\f', 'f'},
                                            {'\n', 'n'}, {'\r', 'r'},  {'\t', 't'}};
        const auto *name = std::find_if(std::begin(named), std::end(named),
                                        [b](const char(&n)[2]) { return n[0] == char(b); });
        if (name != std::end(named)) {
            const char escaped[] = {'\\', (*name)[1]};
            out.put(escaped, sizeof escaped);
        } else {
            static const char hex[] = "0123456789abcdef";
            const char escaped[] = {'\\', 'u', '0', '0', hex[b >> 4], hex[b & 0xf]};
            out.put(escaped, sizeof escaped);
        }
    }
    out.put(run, end - run);
    out.put('"');
}

/// A JSON string as QJsonDocument writes it (quotes, backslashes and control characters
/// escaped; everything else as UTF-8).
void appendJsonString(PayloadBytes &out, QStringView s)
{
    // Ids, types and user ids are mostly short printable ASCII: narrowed straight into room
    // made at the end (appending them a character at a time was half the cost of an event's
    // payload).
    const qsizetype at = out.size();
    char *p = out.grow(s.size() + 2);
    *p++ = '"';
    for (const QChar c : s) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u >= 0x7f || u == u'"' || u == u'\\') {
            out.truncate(at);
            return appendEscapedJsonString(out, s);
        }
        *p++ = char(u);
    }
    *p = '"';
}

/// Appends `data` as QJsonDocument writes it (compact). Written directly when every value is
/// a string, a bool or null, as user records mostly are (QJsonDocument converts the whole
/// object to CBOR first: a third of a caller's enqueue); anything else goes through it.
/// QJsonObject keeps its keys sorted, the order QJsonDocument writes them in.
void appendCompactJson(PayloadBytes &out, const QJsonObject &data)
{
    const qsizetype at = out.size();
    out.put('{');
    for (auto it = data.constBegin(); it != data.constEnd(); ++it) {
        if (it != data.constBegin())
            out.put(',');
        appendJsonString(out, it.key());
        out.put(':');
        const QJsonValue v = it.value();
        switch (v.type()) {
        case QJsonValue::String:
            appendJsonString(out, v.toString());
            break;
        case QJsonValue::Bool:
            if (v.toBool())
                out.put("true");
            else
                out.put("false");
            break;
        case QJsonValue::Null:
            out.put("null");
            break;
        default: { // numbers, arrays, objects: QJsonDocument's own formatting
            out.truncate(at);
            const QByteArray json = QJsonDocument(data).toJson(QJsonDocument::Compact);
            out.put(json.constData(), json.size());
            return;
        }
        }
    }
    out.put('}');
}

/// "2026-11-28T09:31:54.123Z": what QDateTime writes for Qt::ISODateWithMs in UTC, without
/// its time-zone machinery (which showed as a fifth of an enqueue).
void appendIsoUtc(PayloadBytes &out, qint64 ms)
{
    qint64 days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
    const qint64 inDay = ms - days * 86400000;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 day = doy - (153 * mp + 2) / 5 + 1;
    const qint64 month = mp < 10 ? mp + 3 : mp - 9;
    const qint64 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999) { // not a time this engine makes; snprintf says it as it is
        char buf[64];
        const int n = std::snprintf(
            buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
            static_cast<long long>(year), static_cast<long long>(month),
            static_cast<long long>(day), static_cast<long long>(inDay / 3600000),
            static_cast<long long>(inDay / 60000 % 60), static_cast<long long>(inDay / 1000 % 60),
            static_cast<long long>(inDay % 1000));
        out.put(buf, n);
        return;
    }
    // Written digit by digit: snprintf was a third of an event's payload.
    char buf[24];
    const auto put = [&buf](int at, qint64 value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10)
            buf[at + i] = char('0' + value % 10);
    };
    put(0, year, 4);
    buf[4] = '-';
    put(5, month, 2);
    buf[7] = '-';
    put(8, day, 2);
    buf[10] = 'T';
    put(11, inDay / 3600000, 2);
    buf[13] = ':';
    put(14, inDay / 60000 % 60, 2);
    buf[16] = ':';
    put(17, inDay / 1000 % 60, 2);
    buf[19] = '.';
    put(20, inDay % 1000, 3);
    buf[23] = 'Z';
    out.put(buf, 24);
}

} // namespace

QByteArray SyncEvent::toPayload() const
{
    // The object QJsonDocument would write (keys in its sorted order), written directly: this
    // runs for every accepted event on the caller's thread.
    PayloadBytes out;
    out.put("{\"data\":");
    if (dataJson.isEmpty())
        appendCompactJson(out, data);
    else
        out.put(dataJson.constData(), dataJson.size());
    out.put(",\"id\":");
    appendJsonString(out, eventId);
    out.put(",\"timestamp\":\"");
    appendIsoUtc(out, createdAt);
    out.put("\",\"type\":");
    appendJsonString(out, type);
    out.put(",\"user_id\":");
    appendJsonString(out, userId);
    out.put('}');
    return out.toByteArray();
}

bool SyncEvent::isKnownField(QStringView name)
{
    // version and created_at are in the events the API answers with, timestamp in a delivered
    // payload: a client that sends back what it was given is not refused for them.
    static constexpr QStringView known[] = {u"id",      u"type",       u"user_id",  u"data",
                                            u"version", u"created_at", u"timestamp"};
    return std::find(std::begin(known), std::end(known), name) != std::end(known);
}

namespace {

/// Edits (insert, delete, change one character) between a and b, stopping above 3.
int editDistance(QStringView a, QStringView b)
{
    if (std::abs(a.size() - b.size()) > 3)
        return 4;
    QVarLengthArray<int, 32> row(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        row[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                               diagonal + (a[i - 1].toLower() == b[j - 1].toLower() ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

/// The field an unknown one was probably meant to be ("userId", "user_idd": "user_id").
QString meantField(const QString &name)
{
    QString squeezed = name.toLower();
    squeezed.remove(u'_').remove(u'-');
    for (const QString &field : {QStringLiteral("user_id"), QStringLiteral("type"),
                                QStringLiteral("data"), QStringLiteral("id")}) {
        if (squeezed == QString(field).remove(u'_') ||
            editDistance(name, field) <= std::min(2, int(field.size()) - 1))
            return field;
    }
    return {};
}

/// "event field "user_idd" is not known (did you mean "user_id"?; "user_id" is missing)", or
/// nothing when every field is known.
Status unknownFieldsError(const QJsonObject &o)
{
    QStringList unknown;
    for (auto it = o.constBegin(); it != o.constEnd(); ++it)
        if (!SyncEvent::isKnownField(it.key()))
            unknown << it.key();
    if (unknown.isEmpty())
        return {};
    QStringList said;
    for (const QString &name : std::as_const(unknown)) {
        const QString meant = meantField(name);
        said << (meant.isEmpty() || o.contains(meant)
                     ? QStringLiteral("\"%1\"").arg(shown(name))
                     : QStringLiteral("\"%1\" (did you mean \"%2\"?)").arg(shown(name), meant));
    }
    QStringList missing;
    for (const QString &field : {QStringLiteral("type"), QStringLiteral("user_id")})
        if (!o.contains(field))
            missing << QStringLiteral("\"%1\"").arg(field);
    QString message = (unknown.size() == 1 ? QStringLiteral("event field %1 is not known")
                                           : QStringLiteral("event fields %1 are not known"))
                          .arg(said.join(QStringLiteral(", ")));
    if (!missing.isEmpty())
        message += QStringLiteral("; %1 %2 missing")
                       .arg(missing.join(QStringLiteral(" and ")),
                            missing.size() == 1 ? QStringLiteral("is") : QStringLiteral("are"));
    message += QStringLiteral(" (an event has \"type\", \"user_id\" and optionally \"id\" and "
                              "\"data\")");
    return makeError(QStringLiteral("event.unknown_field"), message);
}

} // namespace

Result<SyncEvent> SyncEvent::fromJson(const QJsonObject &o)
{
    if (Status s = unknownFieldsError(o); !s)
        return s.error();
    if (!o.contains(QStringLiteral("user_id")))
        return makeError(QStringLiteral("event.invalid_user"),
                         QStringLiteral("event field \"user_id\" is missing"));
    SyncEvent e;
    e.eventId = o.value(QStringLiteral("id")).toString();
    e.type = o.value(QStringLiteral("type")).toString();
    e.userId = o.value(QStringLiteral("user_id")).toVariant().toString();
    const QJsonValue data = o.value(QStringLiteral("data"));
    if (!data.isUndefined() && !data.isObject())
        return makeError(QStringLiteral("event.invalid_data"), QStringLiteral("event \"data\" must be a JSON object"));
    e.data = data.toObject();
    if (Status s = e.validate(); !s)
        return s.error();
    return e;
}

QJsonObject redactSecrets(const QJsonObject &data)
{
    static const QStringList secretKeys = {QStringLiteral("token"), QStringLiteral("password"), QStringLiteral("secret"),
                                           QStringLiteral("refresh_token"), QStringLiteral("access_token"),
                                           QStringLiteral("api_key")};
    QJsonObject out;
    for (auto it = data.begin(); it != data.end(); ++it) {
        if (secretKeys.contains(it.key().toLower()) && it.value().isString()) {
            const QString v = it.value().toString();
            out.insert(it.key(), v.size() > 8 ? QStringLiteral("••••") + v.right(4) : QStringLiteral("••••"));
        } else if (it.value().isObject()) {
            out.insert(it.key(), redactSecrets(it.value().toObject()));
        } else {
            out.insert(it.key(), it.value());
        }
    }
    return out;
}

} // namespace jobfirst
