// SPDX-License-Identifier: GPL-3.0-or-later
#include "widgets/staleitemdelegate.h"

#include <QApplication>
#include <QWidget>

namespace jobfirst::ui {

StaleItemDelegate::StaleItemDelegate(QObject *parent) : QStyledItemDelegate(parent) {}

void StaleItemDelegate::initStyleOption(QStyleOptionViewItem *option,
                                        const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    if (option->state & QStyle::State_Enabled)
        return;
    const QPalette palette = option->widget ? option->widget->palette() : QApplication::palette();
    option->palette.setBrush(QPalette::Disabled, QPalette::Text,
                             palette.brush(QPalette::Disabled, QPalette::Text));
    if (option->backgroundBrush.style() == Qt::NoBrush)
        return;
    // Half way to the view's base: which rows stood out can still be told, but not as news.
    const QColor row = option->backgroundBrush.color();
    const QColor base = palette.color(QPalette::Disabled, QPalette::Base);
    option->backgroundBrush = QColor((row.red() + base.red()) / 2, (row.green() + base.green()) / 2,
                                     (row.blue() + base.blue()) / 2);
}

} // namespace jobfirst::ui
