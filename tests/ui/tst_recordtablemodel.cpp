// SPDX-License-Identifier: GPL-3.0-or-later
// RecordTableModel announces only the rows that changed (setSameRow): every row whose cells
// changed must be inside an announced range, or a view keeps showing the old value.
#include "models/recordtablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace jobfirst::ui;

namespace {

struct Item
{
    QString key;
    int value = 0;
};

using Model = RecordTableModel<Item>;

std::unique_ptr<Model> makeModel(const QString *header, bool sameRows = true)
{
    auto model = std::make_unique<Model>(
        QList<Model::Column>{{[] { return QStringLiteral("Key"); },
                              [](const Item &i, int role) {
                                  return role == Qt::DisplayRole ? QVariant(i.key) : QVariant();
                              }},
                             {[header] { return *header; },
                              [](const Item &i, int role) {
                                  return role == Qt::DisplayRole ? QVariant(i.value) : QVariant();
                              }}},
        [](const Item &i) { return i.key; });
    if (sameRows)
        // The same row has the same key (setSameRow's contract).
        model->setSameRow(
            [](const Item &a, const Item &b) { return a.key == b.key && a.value == b.value; });
    return model;
}

QList<Item> items(const QList<int> &values)
{
    QList<Item> list;
    for (int i = 0; i < values.size(); ++i)
        list << Item{QStringLiteral("k%1").arg(i), values.at(i)};
    return list;
}

/// The announced ranges as (first row, last row); (-1, -1) for one that misses a column.
QList<std::pair<int, int>> ranges(const QSignalSpy &spy, const Model &model)
{
    QList<std::pair<int, int>> list;
    for (const QList<QVariant> &args : spy) {
        const auto from = args.at(0).value<QModelIndex>(), to = args.at(1).value<QModelIndex>();
        const bool allColumns = from.column() == 0 && to.column() == model.columnCount() - 1;
        list << (allColumns ? std::pair{from.row(), to.row()} : std::pair{-1, -1});
    }
    return list;
}

} // namespace

class TestRecordTableModel : public QObject
{
    Q_OBJECT

    QString m_header = QStringLiteral("Value");

private slots:
    void onlyChangedRowsAreAnnouncedEachRunOnce()
    {
        auto model = makeModel(&m_header);
        QAbstractItemModelTester tester(model.get(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model->setRows(items({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
        QSignalSpy reset(model.get(), &QAbstractItemModel::modelReset);
        // Rows 2 and 3 (one run) and row 7 change.
        model->setRows(items({1, 2, 30, 40, 5, 6, 7, 80, 9, 10}));
        QCOMPARE(reset.count(), 0);
        QCOMPARE(ranges(changed, *model), (QList<std::pair<int, int>>{{2, 3}, {7, 7}}));
        QCOMPARE(model->data(model->index(3, 1), Qt::DisplayRole).toInt(), 40);
        QCOMPARE(model->data(model->index(7, 1), Qt::DisplayRole).toInt(), 80);
        // Nothing changed: nothing announced.
        changed.clear();
        model->setRows(items({1, 2, 30, 40, 5, 6, 7, 80, 9, 10}));
        QCOMPARE(changed.count(), 0);
    }

    void moreThanHalfChangedIsOneAnnouncementOfTheTable()
    {
        auto model = makeModel(&m_header);
        model->setRows(items({1, 2, 3, 4}));
        QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
        model->setRows(items({10, 2, 30, 40}));
        QCOMPARE(ranges(changed, *model), (QList<std::pair<int, int>>{{0, 3}}));
    }

    // A row removed, added or moved is not a change in place: the view starts again.
    void otherKeysOrOrderResetTheModel()
    {
        auto model = makeModel(&m_header);
        QAbstractItemModelTester tester(model.get(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model->setRows(items({1, 2, 3}));
        QSignalSpy reset(model.get(), &QAbstractItemModel::modelReset);
        QList<Item> moved = items({1, 2, 3});
        std::swap(moved[0], moved[2]);
        model->setRows(moved);
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model->data(model->index(0, 0), Qt::DisplayRole).toString(), QStringLiteral("k2"));
        model->setRows(items({1, 2}));
        QCOMPARE(reset.count(), 2);
        QCOMPARE(model->rowCount(), 2);
        QCOMPARE(model->rowOfKey(QStringLiteral("k2")), -1);
    }

    // setRows says whether it reset (other keys, or an order), so a page keeping data of its
    // own by row (the Nodes page's recent latency) re-keys it then and only then.
    void setRowsSaysWhetherItReset_data()
    {
        QTest::addColumn<bool>("sameRows");
        QTest::newRow("rows compared") << true;
        QTest::newRow("rows not compared") << false;
    }
    void setRowsSaysWhetherItReset()
    {
        QFETCH(bool, sameRows);
        auto model = makeModel(&m_header, sameRows);
        QVERIFY(model->setRows(items({1, 2, 3})));   // from none
        QVERIFY(!model->setRows(items({1, 2, 3})));  // nothing changed
        QVERIFY(!model->setRows(items({1, 20, 3}))); // a value changed in place
        QList<Item> renamed = items({1, 20, 3});
        renamed[1].key = QStringLiteral("other");
        QVERIFY(model->setRows(renamed));        // a row with another key
        QVERIFY(model->setRows(items({1, 20}))); // a row fewer
        QList<Item> swapped = items({5, 5});
        std::swap(swapped[0], swapped[1]);
        QVERIFY(!model->setRows(items({5, 5}))); // values changed, keys as before...
        QVERIFY(model->setRows(swapped));        // ...then the same values, moved
        QCOMPARE(model->data(model->index(0, 0), Qt::DisplayRole).toString(), QStringLiteral("k1"));
        QVERIFY(model->setRows({})); // none left
    }

    // Without setSameRow the model cannot tell: every row is announced.
    void withoutSameRowEveryRowIsAnnounced()
    {
        auto model = makeModel(&m_header, false);
        model->setRows(items({1, 2, 3}));
        QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
        model->setRows(items({1, 2, 3}));
        QCOMPARE(ranges(changed, *model), (QList<std::pair<int, int>>{{0, 2}}));
    }

    // A language switch re-reads headers and every cell, rows judged the same included.
    void retranslateRereadsHeadersAndCells()
    {
        auto model = makeModel(&m_header);
        model->setRows(items({1, 2, 3}));
        QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
        QSignalSpy headers(model.get(), &QAbstractItemModel::headerDataChanged);
        m_header = QStringLiteral("值");
        model->retranslate();
        QCOMPARE(headers.count(), 1);
        QCOMPARE(model->headerData(1, Qt::Horizontal, Qt::DisplayRole).toString(),
                 QStringLiteral("值"));
        QCOMPARE(ranges(changed, *model), (QList<std::pair<int, int>>{{0, 2}}));
        m_header = QStringLiteral("Value");
    }
};

QTEST_GUILESS_MAIN(TestRecordTableModel)
#include "tst_recordtablemodel.moc"
