// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace jobfirst {

class Engine;

/// The engine's state in the Prometheus text exposition format 0.0.4: one `jobfirst_` prefix,
/// base units (seconds), `_total` counters, histograms for latencies, no user ids in labels.
/// Runs on the engine thread.
QByteArray renderMetrics(Engine &engine);

} // namespace jobfirst
