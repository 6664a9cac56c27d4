// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include <functional>

namespace jobfirst::ui {

/// A table of value rows with columns given as functions, so each view states only what it
/// shows. A batch with the same keys in the same order is applied as dataChanged: over the
/// rows that changed when the model can tell (setSameRow), else over the whole table; when
/// more than half the rows changed, one dataChanged over the whole table. Anything else
/// resets the model (one begin/end pair).
template <typename Row> class RecordTableModel : public QAbstractTableModel
{
public:
    struct Column
    {
        std::function<QString()> header; ///< called each time, so a language switch shows at once
        std::function<QVariant(const Row &, int role)> data;
    };

    RecordTableModel(QList<Column> columns, std::function<QString(const Row &)> key,
                     QObject *parent = nullptr)
        : QAbstractTableModel(parent), m_columns(std::move(columns)), m_key(std::move(key))
    {
    }

    /// `same(before, now)`: the row shows the same as before (every column, every role),
    /// so it need not be announced; it has the same key too (the key is shown). Rows whose
    /// cells change with the clock (a countdown) must never be the same. A thousand nodes
    /// checked every 30 s change a few rows per refresh; announcing all of them made the view
    /// and a sorting proxy re-read every row.
    void setSameRow(std::function<bool(const Row &, const Row &)> same)
    {
        m_same = std::move(same);
    }

    /// Returns true when the rows' keys were not the same as before, in the same order, and
    /// the model was reset: the caller may skip its own comparison of keys otherwise.
    bool setRows(const QList<Row> &rows)
    {
        if (rows.size() != m_rows.size())
            return reset(rows);
        if (m_rows.isEmpty())
            return false;
        const int last = int(m_columns.size()) - 1;
        if (!m_same) {
            for (qsizetype i = 0; i < rows.size(); ++i)
                if (m_key(rows.at(i)) != m_key(m_rows.at(i)))
                    return reset(rows);
            m_rows = rows;
            emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, last));
            return false;
        }
        // One pass: a row that is the same has the same key, so keys are compared only for the
        // rows that changed (with nothing changed, one call per row). Runs of consecutive
        // changed rows are each announced once.
        QList<std::pair<int, int>> runs;
        qsizetype changed = 0;
        for (int i = 0; i < int(rows.size()); ++i) {
            if (m_same(m_rows.at(i), rows.at(i)))
                continue;
            if (m_key(rows.at(i)) != m_key(m_rows.at(i)))
                return reset(rows);
            ++changed;
            if (!runs.isEmpty() && runs.last().second == i - 1)
                runs.last().second = i;
            else
                runs.append({i, i});
        }
        m_rows = rows;
        if (changed * 2 > rows.size())
            emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, last));
        else
            for (const auto &[first, end] : std::as_const(runs))
                emit dataChanged(index(first, 0), index(end, last));
        return false;
    }

    const QList<Row> &rows() const { return m_rows; }
    const Row &row(int r) const { return m_rows.at(r); }
    int rowOfKey(const QString &key) const
    {
        for (int i = 0; i < m_rows.size(); ++i)
            if (m_key(m_rows.at(i)) == key)
                return i;
        return -1;
    }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_columns.size());
    }

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
            return {};
        return m_columns.at(index.column()).data(m_rows.at(index.row()), role);
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0 &&
            section < m_columns.size())
            return m_columns.at(section).header();
        return QAbstractTableModel::headerData(section, orientation, role);
    }

    /// Re-reads headers and cells after a language switch (rows judged the same by
    /// setSameRow() are not re-read otherwise).
    void retranslate()
    {
        emit headerDataChanged(Qt::Horizontal, 0, int(m_columns.size()) - 1);
        if (!m_rows.isEmpty())
            emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, int(m_columns.size()) - 1));
    }

private:
    bool reset(const QList<Row> &rows)
    {
        beginResetModel();
        m_rows = rows;
        endResetModel();
        return true;
    }

    QList<Column> m_columns;
    std::function<QString(const Row &)> m_key;
    std::function<bool(const Row &, const Row &)> m_same;
    QList<Row> m_rows;
};

} // namespace jobfirst::ui
