// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/cryptolifetime.h"

#include <openssl/crypto.h>

namespace jobfirst {

void keepCryptoUntilExit()
{
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
}

} // namespace jobfirst
