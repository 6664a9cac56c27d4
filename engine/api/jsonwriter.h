// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace jobfirst {

/// Writes compact JSON straight into bytes, for the few shapes sent so often that building
/// QJsonObjects for them costs more than sending them (a snapshot of 1,000 nodes each
/// second to every console). The output parses as QJsonDocument's would.
class JsonWriter final
{
public:
    explicit JsonWriter(QByteArray &out) : m_out(out) {}

    JsonWriter &beginObject();
    JsonWriter &endObject();
    JsonWriter &beginArray();
    JsonWriter &endArray();
    JsonWriter &key(const char *name);
    JsonWriter &value(const QString &text);
    JsonWriter &value(qint64 number);
    JsonWriter &value(int number) { return value(qint64(number)); }
    JsonWriter &value(double number); ///< NaN and infinities become null
    JsonWriter &value(bool flag);
    JsonWriter &value(const QStringList &texts);
    /// Already-encoded JSON, as it is.
    JsonWriter &raw(const QByteArray &json);

private:
    void separator();

    QByteArray &m_out;
    bool m_first = true;
};

} // namespace jobfirst
