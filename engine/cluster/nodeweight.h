// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace jobfirst {

/// A node's weight: NodeSpec::validate() refuses any other, and jobfirstctl checks --weight
/// against the same range before it opens a store.
constexpr int MinNodeWeight = 1;
constexpr int MaxNodeWeight = 256;

} // namespace jobfirst
