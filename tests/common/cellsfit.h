// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractItemModel>
#include <QFontMetrics>
#include <QHeaderView>
#include <QStringList>
#include <QStyle>
#include <QStyleOptionHeader>
#include <QTableView>

/// A tooltip says a cell's text whole when it holds that text, or the whole of which the cell
/// shows the start on one line ("{ "max_nodes": 10, …" of a config).
inline bool saysWhole(const QString &tooltip, QString shown)
{
    if (tooltip == shown)
        return true;
    if (shown.endsWith(u'…'))
        shown.chop(1);
    return !shown.isEmpty() && tooltip.simplified().startsWith(shown.simplified());
}

/// The cells of a table whose text is wider than their column (the delegate's margins
/// counted) and that do not say it whole in a tooltip: what an operator cannot read.
inline QStringList cutCells(QTableView *view)
{
    QStringList cut;
    const int margin =
        2 * (view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) + 1);
    for (int r = 0; r < view->model()->rowCount(); ++r)
        for (int c = 0; c < view->model()->columnCount(); ++c) {
            const QModelIndex i = view->model()->index(r, c);
            const QString text = i.data().toString();
            const QVariant font = i.data(Qt::FontRole);
            const QFontMetrics fm(font.isValid() ? font.value<QFont>() : view->font());
            const int need = fm.horizontalAdvance(text) + margin;
            if (need > view->columnWidth(c) && !saysWhole(i.data(Qt::ToolTipRole).toString(), text))
                cut << QStringLiteral("%1 \"%2\": needs %3 px, has %4")
                           .arg(view->objectName(), text)
                           .arg(need)
                           .arg(view->columnWidth(c));
        }
    return cut;
}

/// The width a column fitted to its contents has: its rows on screen, and its title whole with
/// room for a sort arrow only in the sorted column (the one that draws it).
inline int fittedWidth(QTableView *view, int column)
{
    const QHeaderView *header = view->horizontalHeader();
    QStyleOptionHeader option; // what the style needs for the title, in bold as it is drawn
    option.initFrom(header);
    option.orientation = Qt::Horizontal;
    QFont bold = header->font();
    bold.setBold(true);
    option.fontMetrics = QFontMetrics(bold);
    option.text = view->model()->headerData(column, Qt::Horizontal).toString();
    const int title =
        header->isSortIndicatorShown() && column == header->sortIndicatorSection()
            ? header->sectionSizeHint(column)
            : header->style()
                  ->sizeFromContents(QStyle::CT_HeaderSection, &option, QSize(), header)
                  .width();
    const QAbstractItemView *asView = view; // QTableView hides it; the view's is public
    return std::max(asView->sizeHintForColumn(column), title);
}
