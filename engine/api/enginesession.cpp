// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/enginesession.h"

namespace jobfirst {

EngineSession::~EngineSession() = default;

} // namespace jobfirst
