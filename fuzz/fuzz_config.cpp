// SPDX-License-Identifier: GPL-3.0-or-later
// Config parsing: any input is refused with an error or accepted; what is accepted writes out
// and reads back as the same config, and its masked form holds no secret.
#include "config/clusterconfig.h"

#include <cstdint>
#include <cstdlib>

using namespace jobfirst;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto config = ClusterConfig::fromJson(json);
    if (!config) {
        if (config.error().message.isEmpty())
            std::abort(); // every refusal says why
        return 0;
    }
    const auto again = ClusterConfig::fromJson(config->toJson());
    if (!again || !(again.value() == config.value()))
        std::abort();
    const QByteArray masked = config->toMaskedJson();
    if (config->clusterSecret.size() >= 12 && masked.contains(config->clusterSecret.toUtf8()))
        std::abort();
    return 0;
}
