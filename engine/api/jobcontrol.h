// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/bulkimporter.h"

#include <QObject>

#include <atomic>

namespace jobfirst {

/// The caller's handle on a long operation (import, simulation): progress comes back as a
/// signal on the thread the control lives on, and cancel() asks the work to stop at its next
/// checkpoint. Thread-safe: the work reports from wherever it runs.
class JobControl final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobControl)

public:
    explicit JobControl(QObject *parent = nullptr) : QObject(parent) {}

    void cancel() { m_cancelled = true; }
    bool isCancelled() const { return m_cancelled.load(); }
    const std::atomic_bool *cancelFlag() const { return &m_cancelled; }

    /// Called by the work, from any thread.
    void report(double fraction, const ImportProgress &detail = {});

signals:
    /// fraction in 0..1; detail is filled by imports.
    void progressed(double fraction, const jobfirst::ImportProgress &detail);

private:
    std::atomic_bool m_cancelled{false};
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::ImportProgress)
