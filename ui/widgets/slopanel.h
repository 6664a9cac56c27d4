// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "slo/sloreport.h"

#include <QWidget>

class QLabel;
class QTableWidget;

namespace jobfirst {
class EngineSession;
}

namespace jobfirst::ui {

/// The plan's success metrics (成功指标) on the overview: each figure as measured, its target,
/// the window it covers, green when met, red when missed, grey when there was nothing to
/// measure. Read from the engine every 30 s and when shown; until the first figures arrive
/// each metric reads "measuring…" (retried every few seconds).
class SloPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SloPanel)

public:
    explicit SloPanel(EngineSession *session, QWidget *parent = nullptr);
    void refresh();
    void retranslate();
    const SloReport &report() const { return m_report; }

signals:
    void refreshed();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void display(const SloReport &report);
    /// The plan's metrics with "measuring…" for each: no figures have arrived yet.
    void showMeasuring();
    void fill(const SloReport &report, bool measured);
    static QString figureName(const QString &key);

    EngineSession *m_session;
    QTableWidget *m_table;
    QLabel *m_title;
    QLabel *m_worstNode;
    SloReport m_report;
    bool m_busy = false;
};

} // namespace jobfirst::ui
