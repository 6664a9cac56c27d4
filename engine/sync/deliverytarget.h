// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/httpsecurity.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace jobfirst {

/// Delivery settings of one target, resolved from the cluster config (or a node).
struct DeliveryTarget
{
    QString name;
    QByteArray url;
    QString secret;
    long timeoutMs = 30000;
    int maxRetries = 3;
    qint64 retryIntervalMs = 5000;
    int batchSize = 1;
    double rateLimit = 0; ///< requests per second, 0 unlimited
    int workers = 5;      ///< concurrent requests to this target
    bool enabled = true;
    bool paused = false;
    bool held = false; ///< node target whose node is down: wait, do not try
    std::shared_ptr<const HttpSecurity> security; ///< TLS settings and bearer token; null: plain
};

} // namespace jobfirst
