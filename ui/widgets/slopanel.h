// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "slo/sloreport.h"

#include <QWidget>

#include <optional>

class QLabel;
class QTableWidget;

namespace jobfirst {
class EngineSession;
}

namespace jobfirst::ui {

/// The plan's success metrics (成功指标) on the overview: each figure as measured, its target,
/// the window it covers (or the part of it observed, for a cluster watched for less), green
/// when met, red when missed, grey when there was nothing to measure. Read from the engine
/// every 30 s and when shown; until the first figures arrive each metric reads "measuring…"
/// (retried every few seconds). A read that fails says so and why instead of figures, and is
/// retried every few seconds until one succeeds.
class SloPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SloPanel)

public:
    explicit SloPanel(EngineSession *session, QWidget *parent = nullptr);
    void refresh();
    void retranslate();
    /// The last figures read (kept while later reads fail; not shown then).
    const SloReport &report() const { return m_report; }

signals:
    void refreshed();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void display(const SloReport &report);
    /// The plan's metrics with "measuring…" for each: no figures have arrived yet.
    void showMeasuring();
    /// The plan's metrics and why they could not be read (m_readError).
    void showFailure();
    static SloReport unmeasured();
    void fill(const SloReport &report, const QString &unmeasured);
    /// Row heights from the texts shown, and the table as tall as its rows.
    void fitRows();
    /// Asks again in a few seconds while there is nothing true to show.
    void retrySoon();
    static QString figureName(const QString &key);
    /// "Least available node over the last 3 h: …": the span its figure really covers.
    static QString worstNodeText(const NodeAvailability &node);

    EngineSession *m_session;
    QTableWidget *m_table;
    QLabel *m_title;
    QLabel *m_worstNode;
    QLabel *m_failure;
    SloReport m_report;
    /// Why the last read failed; none when it succeeded (or none was made yet).
    std::optional<Error> m_readError;
    bool m_busy = false;
};

} // namespace jobfirst::ui
