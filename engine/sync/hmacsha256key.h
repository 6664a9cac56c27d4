// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <array>
#include <initializer_list>
#include <memory>

namespace jobfirst {

/// HMAC-SHA256 (RFC 2104) for one key, with the key's inner and outer pads hashed once: each
/// message then costs its own SHA-256 blocks and two copies of a small state, without an
/// allocation or a call through OpenSSL's provider layer (EVP_MAC in OpenSSL 3.0 copied a
/// digest context, a free and a malloc, at the start and at the end of every message).
class HmacSha256Key final
{
public:
    static constexpr int Size = 32;
    using Mac = std::array<unsigned char, Size>;

    /// Any length; a key longer than SHA-256's block is hashed first, as RFC 2104 says.
    explicit HmacSha256Key(QByteArrayView key);
    ~HmacSha256Key();
    HmacSha256Key(const HmacSha256Key &) = delete;
    HmacSha256Key &operator=(const HmacSha256Key &) = delete;

    /// The key it was made from (for finding a prepared key again).
    const QByteArray &key() const { return m_key; }
    /// The MAC of `parts` one after the other (as if concatenated).
    Mac mac(std::initializer_list<QByteArrayView> parts) const;

private:
    struct States;
    QByteArray m_key;
    std::unique_ptr<States> m_states;
};

} // namespace jobfirst
