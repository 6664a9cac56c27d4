// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>

#include <functional>
#include <utility>

class QTableView;
class QTimer;

namespace jobfirst::ui {

/// Fits a table's columns to the rows on screen when what is on screen changes (rows added
/// or removed, sorting, filtering, scrolling, the table shown), not on every change of a
/// value: Qt's ResizeToContents measures every row on every dataChanged, and for a table of
/// 1,000 nodes or node targets refreshed 4 times a second that was most of each frame.
/// A sorting proxy re-sorts (a layout change) whenever a value in the sorted column
/// changes; that fits only when other rows came on screen. People can still widen a column;
/// the next fit takes the contents' width again.
class ColumnFitter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ColumnFitter)

public:
    /// Attaches to the view (and its model: set the model first). Owned by the view.
    explicit ColumnFitter(QTableView *view);
    /// Fits soon (after 100 ms of quiet), e.g. when a value's words may have grown wider.
    void schedule();
    /// The last column (an error, whole in its tooltip) is given the room the others leave,
    /// and elides, rather than widening the table past its viewport into a sideways scroll.
    void setLastColumnElides(bool elides) { m_lastColumnElides = elides; }
    /// When the fitted columns are wider than the viewport, these give up room, in this order,
    /// each down to its title's width, so the table does not scroll sideways; their cells
    /// elide, and should say their whole text in a tooltip. A cell that answers KeptTextRole
    /// keeps room for that text (the start of its own, e.g. a URL's host:port).
    void setElidingColumns(QList<int> columns) { m_eliding = std::move(columns); }
    /// The column is never narrower than the widest of `texts()`: every word its cells can say
    /// (the states of a node, in the current language), so that a value that changes
    /// ("ready" to "draining") is whole before the next fit, which only rows coming on screen
    /// bring.
    void setColumnWords(int column, std::function<QStringList()> texts);
    /// The part of a cell's text an eliding column never cuts (a QString; none: the title's
    /// width is the floor).
    static constexpr int KeptTextRole = Qt::UserRole + 64;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    /// The rows on screen, by their first column (the row's name in the tables fitted).
    QStringList rowsOnScreen() const;
    /// The first and last row on screen (last < first: none).
    std::pair<int, int> rowRangeOnScreen() const;
    void fitLastColumnToRoom();
    void fitElidingColumnsToRoom();
    /// The narrowest an eliding column may get: its title, and the kept text on screen.
    int narrowest(int column) const;
    /// A column's title whole, with room for the sort arrow only where it is drawn.
    int titleWidth(int column) const;
    /// Each column as wide as its rows on screen, its title and its words.
    void fitToContents();
    /// The width a cell needs for `text`: the delegate's padding and the grid line counted.
    int cellWidth(const QString &text) const;
    /// The width of a column's widest word (setColumnWords); 0: none.
    int wordsWidth(int column) const;

    QTableView *m_view;
    QTimer *m_timer;
    QStringList m_beforeLayout; ///< rowsOnScreen() when the model's layout began to change
    bool m_lastColumnElides = false;
    QList<int> m_eliding;
    QHash<int, std::function<QStringList()>> m_words;
};

} // namespace jobfirst::ui
