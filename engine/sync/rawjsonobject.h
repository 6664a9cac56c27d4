// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QVarLengthArray>

#include <optional>

namespace jobfirst {

/// A JSON object checked without building a QJsonObject. A bulk import reads a million user
/// records; parsing each into a QJsonObject and writing it back out was most of the
/// importer's CPU (issue 12). The whole text is checked against RFC 8259 and the top-level
/// members are handed out as slices of it, so the text itself can be stored as the event's
/// data. Only what QJsonDocument reads as the same data is accepted; anything else is
/// refused (nullopt) and the caller reads it with QJsonDocument, which also names the error:
/// duplicate keys (receivers may keep either copy), keys with escapes (they could hide a
/// duplicate), numbers with an exponent or more than 15 digits (a double would change
/// them), `\u` escapes of surrogates, invalid UTF-8, more than 32 levels of nesting or more
/// than 64 members in one object (duplicates are looked for pairwise).
class RawJsonObject final
{
public:
    struct Member
    {
        QByteArrayView key;   ///< without its quotes (never has escapes)
        QByteArrayView value; ///< the value's text as written (a string with its quotes)
    };

    static constexpr int MaxDepth = 32;
    static constexpr int MaxMembers = 64;

    static std::optional<RawJsonObject> read(QByteArrayView text);

    /// The top-level member's value text; empty when there is none.
    QByteArrayView value(QByteArrayView key) const;
    const QVarLengthArray<Member, 16> &members() const { return m_members; }
    /// Whether there is whitespace outside strings (see compacted()).
    bool spaced() const { return m_spaced; }

    /// `text` (an object read() accepted) without whitespace outside its strings.
    static QByteArray compacted(QByteArrayView text);
    /// A string or integer value as QJsonValue::toVariant().toString() gives it, when that is
    /// its text: a string without escapes, or an integer of at most 15 digits (not "-0").
    static std::optional<QString> plainText(QByteArrayView value);

private:
    QVarLengthArray<Member, 16> m_members;
    bool m_spaced = false;
};

} // namespace jobfirst
