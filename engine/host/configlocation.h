// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "host/engineoptions.h"

namespace jobfirst {

/// Whether the engine may open the config file of `options`: none named, one that exists, or
/// a missing one it is asked to create (createConfig, `--create-config`). A missing file
/// otherwise is "config.missing", naming the path: a mistyped `--config` must not start a new
/// cluster config with new secrets unnoticed. jobfirstd, jobfirstctl and the console say the
/// same. Reads only the file's existence.
Status checkConfigLocation(const EngineOptions &options);

} // namespace jobfirst
