// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

namespace jobfirst {

/// One applied configuration, kept so versions can be compared and rolled back.
struct ConfigVersion
{
    int version = 0;
    qint64 timestamp = 0;
    QString actor;
    QByteArray json;
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::ConfigVersion)
