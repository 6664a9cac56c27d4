// SPDX-License-Identifier: GPL-3.0-or-later
// SHA256_Init and friends are deprecated in OpenSSL 3 in favour of EVP, but still there and
// still the same assembly (SHA extensions where the CPU has them); EVP_MD_CTX_copy_ex, the one
// way to reuse a hashed pad through EVP, allocates (OpenSSL 3.0).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sync/hmacsha256key.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace jobfirst {

namespace {

constexpr int BlockSize = SHA256_CBLOCK; // 64 bytes

} // namespace

struct HmacSha256Key::States
{
    SHA256_CTX inner; ///< after hashing key ^ ipad
    SHA256_CTX outer; ///< after hashing key ^ opad
};

HmacSha256Key::HmacSha256Key(QByteArrayView key)
    : m_key(key.toByteArray()), m_states(std::make_unique<States>())
{
    unsigned char block[BlockSize] = {};
    if (key.size() > BlockSize)
        SHA256(reinterpret_cast<const unsigned char *>(key.data()), std::size_t(key.size()), block);
    else if (!key.isEmpty())
        std::memcpy(block, key.data(), std::size_t(key.size()));
    unsigned char pad[BlockSize];
    for (int i = 0; i < BlockSize; ++i)
        pad[i] = block[i] ^ 0x36;
    SHA256_Init(&m_states->inner);
    SHA256_Update(&m_states->inner, pad, BlockSize);
    for (int i = 0; i < BlockSize; ++i)
        pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&m_states->outer);
    SHA256_Update(&m_states->outer, pad, BlockSize);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
}

HmacSha256Key::~HmacSha256Key()
{
    OPENSSL_cleanse(m_states.get(), sizeof(States));
}

HmacSha256Key::Mac HmacSha256Key::mac(std::initializer_list<QByteArrayView> parts) const
{
    SHA256_CTX ctx = m_states->inner;
    for (QByteArrayView part : parts)
        if (!part.isEmpty())
            SHA256_Update(&ctx, part.data(), std::size_t(part.size()));
    Mac inner;
    SHA256_Final(inner.data(), &ctx);
    ctx = m_states->outer;
    SHA256_Update(&ctx, inner.data(), inner.size());
    Mac out;
    SHA256_Final(out.data(), &ctx);
    return out;
}

} // namespace jobfirst
