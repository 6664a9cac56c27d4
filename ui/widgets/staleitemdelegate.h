// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStyledItemDelegate>

namespace jobfirst::ui {

/// A table's delegate that draws the model's own colours (a state's, an error's, a greyed
/// "not tried") only while the view is enabled. A disabled view (a page that is not live)
/// draws its text in the palette's disabled colour like the rest of the page, and its rows'
/// colours faded into its base: QStyledItemDelegate sets a ForegroundRole brush for every
/// colour group, so such text kept its dark colour on a greyed page and looked live (walk34).
class StaleItemDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StaleItemDelegate)

public:
    explicit StaleItemDelegate(QObject *parent = nullptr);

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};

} // namespace jobfirst::ui
