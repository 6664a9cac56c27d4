// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QUrl>

namespace jobfirst::sim {

/// What a Basic Server does at start and at clean shutdown (the plan's RegisterNode): it
/// registers itself with the engine's admin API under its node token, and deregisters.
class NodeRegistration final
{
public:
    NodeRegistration(QUrl engine, QByteArray token, QString nodeId, QString nodeUrl);

    /// POST /api/v1/nodes {id, url}; an already registered node is updated (PUT) instead.
    Status registerNode(int timeoutMs = 10000) const;
    /// DELETE /api/v1/nodes/{id}.
    Status deregister(int timeoutMs = 5000) const;

private:
    Result<int> send(const QByteArray &method, const QString &path, const QByteArray &body, int timeoutMs) const;

    QUrl m_engine;
    QByteArray m_token;
    QString m_nodeId;
    QString m_nodeUrl;
};

} // namespace jobfirst::sim
