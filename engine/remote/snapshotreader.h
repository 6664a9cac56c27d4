// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>

namespace jobfirst {

/// Reads the stream's snapshots, one after another, decoding only the rows that changed.
/// jobfirstd writes each node and each target as the same bytes while it is unchanged (with
/// the plan's 30 s checks, about one node in a hundred changes between two snapshots of a
/// thousand), so a node or target whose JSON is byte for byte one of the previous snapshot's
/// is that snapshot's decoded row, and only the others are parsed. The same bytes decode to
/// the same row: what is handed on is what decoding the whole snapshot gives. Anything this
/// reader does not expect (not an object, "nodes" not an array, a key twice, a row it
/// cannot read) is decoded whole, with the whole decoder's error.
class SnapshotReader final
{
public:
    Result<EngineSnapshot> read(const QByteArray &json);

    /// Rows of the last snapshot that were parsed, not taken from the one before (for tests).
    qsizetype lastParsedRows() const { return m_parsedRows; }

private:
    template <typename T> struct Rows
    {
        QByteArray text;                 ///< the snapshot the views point into
        QHash<QByteArrayView, T> byJson; ///< each row by its JSON
    };
    template <typename T>
    bool decodeRows(const QByteArray &json, qsizetype begin, Rows<T> &rows, QList<T> &out);
    Result<EngineSnapshot> readWhole(const QByteArray &json);

    Rows<NodeStatus> m_nodes;
    Rows<TargetStatus> m_targets;
    qsizetype m_parsedRows = 0;
};

} // namespace jobfirst
