// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/rawjsonobject.h"

namespace jobfirst {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

int hexValue(char c)
{
    if (isDigit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// A recursive-descent check of one JSON value at a time; every function leaves `p` after
/// what it read and says whether it was acceptable (see RawJsonObject).
class Scanner
{
public:
    Scanner(const char *begin, const char *end) : m_p(begin), m_end(end) {}

    bool object(int depth, QVarLengthArray<RawJsonObject::Member, 16> *top);
    bool atEnd()
    {
        skipSpace();
        return m_p == m_end;
    }
    bool spaced() const { return m_spaced; }

private:
    void skipSpace()
    {
        const char *start = m_p;
        while (m_p < m_end && isSpace(*m_p))
            ++m_p;
        m_spaced = m_spaced || m_p != start;
    }
    bool take(char c)
    {
        skipSpace();
        if (m_p == m_end || *m_p != c)
            return false;
        ++m_p;
        return true;
    }
    bool value(int depth);
    bool array(int depth);
    bool string(bool *escaped);
    bool escape();
    bool utf8();
    bool number();
    bool literal(QByteArrayView word);

    const char *m_p;
    const char *m_end;
    bool m_spaced = false;
};

bool Scanner::object(int depth, QVarLengthArray<RawJsonObject::Member, 16> *top)
{
    if (depth > RawJsonObject::MaxDepth || !take('{'))
        return false;
    QVarLengthArray<QByteArrayView, 16> keys;
    if (take('}'))
        return true;
    do {
        skipSpace();
        const char *keyStart = m_p + 1;
        bool escaped = false;
        if (!string(&escaped) || escaped || keys.size() >= RawJsonObject::MaxMembers)
            return false;
        const QByteArrayView key(keyStart, m_p - 1 - keyStart);
        for (const QByteArrayView &seen : std::as_const(keys))
            if (seen == key)
                return false;
        keys.append(key);
        if (!take(':'))
            return false;
        skipSpace();
        const char *valueStart = m_p;
        if (!value(depth))
            return false;
        if (top)
            top->append({key, QByteArrayView(valueStart, m_p - valueStart)});
    } while (take(','));
    return take('}');
}

bool Scanner::value(int depth)
{
    skipSpace();
    if (m_p == m_end)
        return false;
    switch (*m_p) {
    case '{':
        return object(depth + 1, nullptr);
    case '[':
        return array(depth + 1);
    case '"': {
        bool escaped = false;
        return string(&escaped);
    }
    case 't':
        return literal("true");
    case 'f':
        return literal("false");
    case 'n':
        return literal("null");
    default:
        return number();
    }
}

bool Scanner::array(int depth)
{
    if (depth > RawJsonObject::MaxDepth || !take('['))
        return false;
    if (take(']'))
        return true;
    do {
        if (!value(depth))
            return false;
    } while (take(','));
    return take(']');
}

bool Scanner::string(bool *escaped)
{
    if (m_p == m_end || *m_p != '"')
        return false;
    ++m_p;
    while (m_p < m_end) {
        const auto c = static_cast<unsigned char>(*m_p);
        if (c == '"') {
            ++m_p;
            return true;
        }
        if (c < 0x20)
            return false; // control characters must be escaped
        if (c == '\\') {
            *escaped = true;
            if (!escape())
                return false;
        } else if (c >= 0x80) {
            if (!utf8())
                return false;
        } else {
            ++m_p;
        }
    }
    return false;
}

bool Scanner::escape()
{
    ++m_p; // the backslash
    if (m_p == m_end)
        return false;
    const char c = *m_p++;
    if (c != 'u')
        return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
               c == 't';
    if (m_end - m_p < 4)
        return false;
    int unit = 0;
    for (int i = 0; i < 4; ++i) {
        const int h = hexValue(*m_p++);
        if (h < 0)
            return false;
        unit = unit * 16 + h;
    }
    return unit < 0xd800 || unit > 0xdfff; // pairs and lone halves are left to QJsonDocument
}

bool Scanner::utf8()
{
    // Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
    const auto *u = reinterpret_cast<const unsigned char *>(m_p);
    const qsizetype left = m_end - m_p;
    const unsigned char b = u[0];
    int length = 0;
    unsigned char low = 0x80, high = 0xbf; // the second byte's range
    if (b >= 0xc2 && b <= 0xdf) {
        length = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
        length = 3;
        if (b == 0xe0)
            low = 0xa0;
        else if (b == 0xed)
            high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        length = 4;
        if (b == 0xf0)
            low = 0x90;
        else if (b == 0xf4)
            high = 0x8f;
    } else {
        return false;
    }
    if (left < length || u[1] < low || u[1] > high)
        return false;
    for (int i = 2; i < length; ++i)
        if (u[i] < 0x80 || u[i] > 0xbf)
            return false;
    m_p += length;
    return true;
}

bool Scanner::number()
{
    const char *start = m_p;
    if (m_p < m_end && *m_p == '-')
        ++m_p;
    if (m_p == m_end || !isDigit(*m_p))
        return false;
    int digits = 0;
    if (*m_p == '0') {
        ++m_p;
        digits = 1;
    } else {
        for (; m_p < m_end && isDigit(*m_p); ++m_p)
            ++digits;
    }
    if (m_p < m_end && *m_p == '.') {
        ++m_p;
        const char *fraction = m_p;
        for (; m_p < m_end && isDigit(*m_p); ++m_p)
            ++digits;
        if (m_p == fraction)
            return false;
    }
    if (m_p < m_end && (*m_p == 'e' || *m_p == 'E'))
        return false; // valid JSON, but its double may be written back differently
    return digits <= 15 && m_p > start;
}

bool Scanner::literal(QByteArrayView word)
{
    if (m_end - m_p < word.size() || QByteArrayView(m_p, word.size()) != word)
        return false;
    m_p += word.size();
    return true;
}

} // namespace

std::optional<RawJsonObject> RawJsonObject::read(QByteArrayView text)
{
    RawJsonObject o;
    Scanner scanner(text.data(), text.data() + text.size());
    if (!scanner.object(1, &o.m_members) || !scanner.atEnd())
        return std::nullopt;
    o.m_spaced = scanner.spaced();
    return o;
}

QByteArrayView RawJsonObject::value(QByteArrayView key) const
{
    for (const Member &m : m_members)
        if (m.key == key)
            return m.value;
    return {};
}

QByteArray RawJsonObject::compacted(QByteArrayView text)
{
    QByteArray out;
    out.reserve(text.size());
    bool inString = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            out += c;
            if (c == '\\' && i + 1 < text.size())
                out += text[++i];
            else if (c == '"')
                inString = false;
        } else if (!isSpace(c)) {
            out += c;
            inString = c == '"';
        }
    }
    return out;
}

std::optional<QString> RawJsonObject::plainText(QByteArrayView value)
{
    if (value.size() >= 2 && value.front() == '"') {
        const QByteArrayView inner = value.sliced(1, value.size() - 2);
        if (inner.contains('\\'))
            return std::nullopt;
        return QString::fromUtf8(inner);
    }
    if (value.isEmpty() || value == "-0")
        return std::nullopt;
    for (qsizetype i = value.front() == '-' ? 1 : 0; i < value.size(); ++i)
        if (!isDigit(value[i]))
            return std::nullopt;
    return QString::fromLatin1(value); // read() allowed at most 15 digits
}

} // namespace jobfirst
