// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/auditpage.h"

#include "api/enginesession.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QListWidget>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace jobfirst::ui {

AuditPage::AuditPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_view(new QTableView), m_filter(new QLineEdit), m_alerts(new QListWidget)
{
    using C = RecordTableModel<AuditEntry>::Column;
    const auto text = [](auto f) {
        return [f](const AuditEntry &a, int role) -> QVariant { return role == Qt::DisplayRole ? QVariant(f(a)) : QVariant(); };
    };
    m_model = new RecordTableModel<AuditEntry>(
        {
            C{[] { return tr("Time"); }, text([](const AuditEntry &a) { return timeText(a.timestamp); })},
            C{[] { return tr("Who"); }, text([](const AuditEntry &a) { return a.actor; })},
            C{[] { return tr("Action"); }, text([](const AuditEntry &a) { return a.action; })},
            C{[] { return tr("Subject"); }, text([](const AuditEntry &a) { return a.subject; })},
            C{[] { return tr("Before"); }, text([](const AuditEntry &a) { return a.before.left(200); })},
            C{[] { return tr("After"); }, text([](const AuditEntry &a) { return a.after.left(200); })},
        },
        [](const AuditEntry &a) { return QString::number(a.id); }, this);
    m_view->setModel(m_model);
    m_view->setObjectName(QStringLiteral("auditTable"));
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->hide();
    m_filter->setObjectName(QStringLiteral("auditFilter"));
    m_filter->setClearButtonEnabled(true);
    m_alerts->setObjectName(QStringLiteral("alertList"));
    connect(m_filter, &QLineEdit::textChanged, this, &AuditPage::refresh);
    auto *top = new QWidget;
    auto *tl = new QVBoxLayout(top);
    tl->setContentsMargins(0, 0, 0, 0);
    tl->addWidget(m_filter);
    tl->addWidget(m_view);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(m_alerts);
    split->setStretchFactor(0, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split);
    retranslate();
}

void AuditPage::retranslate()
{
    m_filter->setPlaceholderText(tr("Filter by who, action or subject"));
    m_model->retranslate();
}

void AuditPage::refresh()
{
    session()->audit(AuditQuery{500, m_filter->text()}).then(this, [this](const Result<QList<AuditEntry>> &r) {
        if (r)
            m_model->setRows(r.value());
    });
}

QString AuditPage::alertText(const Alert &a)
{
    QString what;
    if (a.kind == u"node.down")
        what = tr("Node %1 is down").arg(a.subject);
    else if (a.kind == u"node.failed")
        what = tr("Node %1 failed (down longer than node_timeout)").arg(a.subject);
    else if (a.kind == u"node.up")
        what = tr("Node %1 is back up").arg(a.subject);
    else if (a.kind == u"circuit.open")
        what = tr("Circuit of target %1 is open; its events wait").arg(a.subject);
    else if (a.kind == u"target.disabled")
        what = tr("Target %1 was disabled").arg(a.subject);
    else if (a.kind == u"backlog")
        what = tr("Sync backlog passed its threshold");
    else if (a.kind == u"config")
        what = tr("Config file rejected");
    else
        what = a.kind;
    return QStringLiteral("%1  %2 — %3").arg(timeText(a.at), what, a.message);
}

void AuditPage::applySnapshot(const EngineSnapshot &s)
{
    for (const Alert &a : s.alerts) {
        auto *item = new QListWidgetItem(alertText(a));
        item->setForeground(a.severity == Alert::Severity::Critical ? QColor(0xc0, 0x39, 0x2b)
                            : a.severity == Alert::Severity::Warning ? QColor(0xb9, 0x77, 0x0e)
                                                                     : QColor(0x1e, 0x84, 0x49));
        m_alerts->insertItem(0, item);
    }
    while (m_alerts->count() > 1000)
        delete m_alerts->takeItem(m_alerts->count() - 1);
    if (isVisible() && (++m_ticks % 3 == 0 || !s.alerts.isEmpty()))
        refresh();
}

} // namespace jobfirst::ui
