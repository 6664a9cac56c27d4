// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/sessiontypes.h"
#include "cluster/node.h"
#include "core/result.h"

namespace jobfirst {

/// Where `request.count` requests would go over the nodes as they are now, with a fresh
/// balancer of the requested strategy (a planning tool: the live balancer is not moved).
/// Nodes never checked are assumed up; down, failed and parked nodes take nothing.
Result<PickReport> planPicks(const QList<NodeStatus> &nodes, const PickRequest &request, Strategy fallback);

} // namespace jobfirst
