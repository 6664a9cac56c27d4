// SPDX-License-Identifier: GPL-3.0-or-later
#include "widgets/columnfitter.h"

#include <QEvent>
#include <QHeaderView>
#include <QScrollBar>
#include <QStyle>
#include <QStyleOptionHeader>
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
        fitToContents();
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
    // The sorted column draws an arrow beside its title: an eliding one needs room for it.
    connect(view->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this,
            &ColumnFitter::schedule);
    view->installEventFilter(this);
}

void ColumnFitter::schedule()
{
    m_timer->start();
}

std::pair<int, int> ColumnFitter::rowRangeOnScreen() const
{
    const QAbstractItemModel *model = m_view->model();
    const int first = model ? m_view->rowAt(0) : -1;
    if (first < 0)
        return {0, -1};
    const int last = m_view->rowAt(m_view->viewport()->height() - 1);
    return {first, last < 0 ? model->rowCount() - 1 : last};
}

QStringList ColumnFitter::rowsOnScreen() const
{
    QStringList rows;
    if (!m_view->isVisible())
        return rows;
    const auto [first, last] = rowRangeOnScreen();
    for (int r = first; r <= last; ++r)
        rows << m_view->model()->index(r, 0).data().toString();
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
    const int width = std::max(room, titleWidth(last));
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
        const int give = std::min(excess, size - narrowest(column));
        if (give > 0) {
            header->resizeSection(column, size - give);
            excess -= give;
        }
    }
}

int ColumnFitter::titleWidth(int column) const
{
    // Qt's size hint keeps room for a sort arrow in every column, which only the sorted one
    // draws: about 28 px a column, which the Nodes table needed at 1,272 px with a node down.
    QHeaderView *header = m_view->horizontalHeader();
    if (header->isSortIndicatorShown() && header->sortIndicatorSection() == column)
        return header->sectionSizeHint(column);
    // What QHeaderView::sectionSizeFromContents measures, in bold as titles are drawn.
    QStyleOptionHeader option;
    option.initFrom(header);
    option.orientation = Qt::Horizontal;
    option.section = column;
    QFont bold = header->font();
    bold.setBold(true);
    option.fontMetrics = QFontMetrics(bold);
    option.text = m_view->model()->headerData(column, Qt::Horizontal).toString();
    return header->style()
        ->sizeFromContents(QStyle::CT_HeaderSection, &option, QSize(), header)
        .width();
}

void ColumnFitter::fitToContents()
{
    // QTableView::resizeColumnsToContents, with the title's own width.
    QHeaderView *header = m_view->horizontalHeader();
    QAbstractItemView *view = m_view; // sizeHintForColumn is public here
    for (int c = 0; c < header->count(); ++c)
        if (!header->isSectionHidden(c))
            header->resizeSection(
                c, std::max({view->sizeHintForColumn(c), titleWidth(c), wordsWidth(c)}));
}

void ColumnFitter::setColumnWords(int column, std::function<QStringList()> texts)
{
    m_words.insert(column, std::move(texts));
    schedule();
}

int ColumnFitter::cellWidth(const QString &text) const
{
    // The item delegate's padding each side of the text, and the grid line.
    const int padding =
        2 * (m_view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, m_view) + 1) +
        (m_view->showGrid() ? 1 : 0);
    return QFontMetrics(m_view->font()).horizontalAdvance(text) + padding;
}

int ColumnFitter::wordsWidth(int column) const
{
    const auto words = m_words.constFind(column);
    if (words == m_words.cend())
        return 0;
    int widest = 0;
    for (const QString &word : (*words)())
        widest = std::max(widest, cellWidth(word));
    return widest;
}

int ColumnFitter::narrowest(int column) const
{
    int most = std::max(titleWidth(column), wordsWidth(column));
    const auto [first, last] = rowRangeOnScreen();
    for (int r = first; r <= last; ++r) {
        const QString kept = m_view->model()->index(r, column).data(KeptTextRole).toString();
        if (!kept.isEmpty())
            most = std::max(most, cellWidth(kept));
    }
    return most;
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
