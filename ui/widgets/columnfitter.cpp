// SPDX-License-Identifier: GPL-3.0-or-later
#include "widgets/columnfitter.h"

#include <QEvent>
#include <QHeaderView>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>

#include <algorithm>

namespace jobfirst::ui {

ColumnFitter::ColumnFitter(QTableView *view)
    : QObject(view), m_view(view), m_timer(new QTimer(this))
{
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    view->horizontalHeader()->setResizeContentsPrecision(0); // the rows on screen
    m_timer->setSingleShot(true);
    m_timer->setInterval(100);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (!m_view->isVisible())
            return;
        m_view->resizeColumnsToContents();
        if (m_lastColumnElides)
            fitLastColumnToRoom();
        fitElidingColumnsToRoom();
    });
    if (QAbstractItemModel *model = view->model()) {
        connect(model, &QAbstractItemModel::modelReset, this, &ColumnFitter::schedule);
        connect(model, &QAbstractItemModel::layoutAboutToBeChanged, this,
                [this] { m_beforeLayout = rowsOnScreen(); });
        connect(model, &QAbstractItemModel::layoutChanged, this, [this] {
            if (rowsOnScreen() != m_beforeLayout)
                schedule();
        });
        connect(model, &QAbstractItemModel::rowsInserted, this, &ColumnFitter::schedule);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &ColumnFitter::schedule);
        connect(model, &QAbstractItemModel::headerDataChanged, this, &ColumnFitter::schedule);
    }
    connect(view->verticalScrollBar(), &QScrollBar::valueChanged, this, &ColumnFitter::schedule);
    view->installEventFilter(this);
}

void ColumnFitter::schedule()
{
    m_timer->start();
}

QStringList ColumnFitter::rowsOnScreen() const
{
    QStringList rows;
    const QAbstractItemModel *model = m_view->model();
    if (!model || !m_view->isVisible())
        return rows;
    const int first = m_view->rowAt(0);
    if (first < 0)
        return rows;
    int last = m_view->rowAt(m_view->viewport()->height() - 1);
    if (last < 0)
        last = model->rowCount() - 1;
    for (int r = first; r <= last; ++r)
        rows << model->index(r, 0).data().toString();
    return rows;
}

void ColumnFitter::fitLastColumnToRoom()
{
    QHeaderView *header = m_view->horizontalHeader();
    const int last = header->logicalIndex(header->count() - 1);
    if (last < 0)
        return;
    const int room = m_view->viewport()->width() - (header->length() - header->sectionSize(last));
    // Never narrower than its title.
    const int width = std::max(room, header->sectionSizeHint(last));
    if (header->sectionSize(last) > width)
        header->resizeSection(last, width);
}

void ColumnFitter::fitElidingColumnsToRoom()
{
    QHeaderView *header = m_view->horizontalHeader();
    int excess = header->length() - m_view->viewport()->width();
    for (const int column : std::as_const(m_eliding)) {
        if (excess <= 0)
            return;
        const int size = header->sectionSize(column);
        const int give = std::min(excess, size - header->sectionSizeHint(column));
        if (give > 0) {
            header->resizeSection(column, size - give);
            excess -= give;
        }
    }
}

bool ColumnFitter::eventFilter(QObject *watched, QEvent *event)
{
    // A narrower table leaves the last column less room.
    if (watched == m_view &&
        (event->type() == QEvent::Show ||
         ((m_lastColumnElides || !m_eliding.isEmpty()) && event->type() == QEvent::Resize)))
        schedule();
    return QObject::eventFilter(watched, event);
}

} // namespace jobfirst::ui
