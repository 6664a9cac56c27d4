// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/syncpage.h"

#include "api/enginesession.h"
#include "core/whenfinished.h"
#include "dialogs/targetdialog.h"
#include "widgets/columnfitter.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

namespace jobfirst::ui {

namespace {

/// Decimal digits of `n` (n >= 0): a count's width in its cell grows with them.
int digitsOf(qint64 n)
{
    int digits = 1;
    for (; n >= 10; n /= 10)
        ++digits;
    return digits;
}

template <typename Row, typename F>
typename RecordTableModel<Row>::Column column(std::function<QString()> header, F f)
{
    return {std::move(header), [f](const Row &r, int role) -> QVariant { return role == Qt::DisplayRole ? QVariant(f(r)) : QVariant(); }};
}

/// A delivery's last error (queued or dead): cut short in its cell, which its view's fitter
/// gives the room the other columns leave; whole in its tooltip.
template <typename Row> typename RecordTableModel<Row>::Column lastErrorColumn()
{
    return {[] { return SyncPage::tr("Last error"); },
            [](const Row &r, int role) -> QVariant {
                if (role == Qt::DisplayRole)
                    return deliveryErrorText(r.lastError).left(160);
                if (role == Qt::ToolTipRole && !r.lastError.isEmpty())
                    return deliveryErrorText(r.lastError);
                return {};
            }};
}

QTableView *makeView(QAbstractItemModel *model, const QString &name)
{
    auto *v = new QTableView;
    v->setObjectName(name);
    v->setModel(model);
    v->setSelectionBehavior(QAbstractItemView::SelectRows);
    v->horizontalHeader()->setStretchLastSection(true);
    v->verticalHeader()->hide();
    return v;
}

/// `nodeWord`: the state of a held node target's node, in the Nodes page's words.
QString targetState(const TargetStatus &t, const QString &nodeWord)
{
    if (!t.enabled)
        return SyncPage::tr("disabled");
    if (t.paused)
        return SyncPage::tr("paused");
    if (t.held)
        return nodeWord.isEmpty()
                   ? SyncPage::tr("held (node not up)")
                   : SyncPage::tr("held (node %1)", "the node's state: down, failed, maintenance…")
                         .arg(nodeWord);
    // "active" is the admin state: a target whose circuit is open is not delivered to.
    if (t.circuit == CircuitState::Open)
        return SyncPage::tr("not delivering (circuit open)");
    if (t.circuit == CircuitState::HalfOpen)
        return SyncPage::tr("probing (circuit half-open)");
    return SyncPage::tr("active");
}

/// Why a target's circuit and last error are not known yet.
QString notTriedText()
{
    return SyncPage::tr("Not tried since the engine started: whether it answers is not known "
                        "until a delivery to it is tried.");
}

/// With a node target per node, most of a thousand rows are the same from one snapshot to
/// the next. An open circuit counts down to its next probe: never the same. The counts
/// first, the texts (the name, the key, among them) last: a changed row is told at once.
bool sameTarget(const TargetStatus &a, const TargetStatus &b)
{
    return b.circuit != CircuitState::Open && a.backlog == b.backlog && a.success == b.success &&
           a.failed == b.failed && a.inFlight == b.inFlight && a.retries == b.retries &&
           a.deadLetters == b.deadLetters && a.oldestWaitingMs == b.oldestWaitingMs &&
           a.lastErrorAt == b.lastErrorAt && a.enabled == b.enabled && a.paused == b.paused &&
           a.held == b.held && a.tlsInsecure == b.tlsInsecure &&
           a.unsignedDeliveries == b.unsignedDeliveries && a.circuit == b.circuit &&
           a.nextProbeAt == b.nextProbeAt && a.disabledReason == b.disabledReason &&
           a.lastError == b.lastError && a.deliveredElsewhere == b.deliveredElsewhere &&
           a.triedSinceStart == b.triedSinceStart && a.url == b.url && a.name == b.name;
}

} // namespace

SyncPage::SyncPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_tabs(new QTabWidget), m_payload(new QPlainTextEdit),
      m_pause(new QPushButton), m_resume(new QPushButton), m_enable(new QPushButton),
      m_disable(new QPushButton), m_editTarget(new QPushButton), m_retry(new QPushButton),
      m_discard(new QPushButton), m_replay(new QPushButton), m_replayTarget(new QComboBox),
      m_replayFrom(new QDateTimeEdit), m_replayTo(new QDateTimeEdit), m_checkTarget(new QComboBox),
      m_check(new QPushButton), m_repair(new QPushButton), m_report(new QPlainTextEdit),
      m_importPath(new QLineEdit), m_browse(new QPushButton), m_import(new QPushButton),
      m_cancelImport(new QPushButton), m_importProgress(new QProgressBar),
      m_importStatus(new QLabel), m_deadDetailTitle(new QLabel), m_deadStatus(new QLabel),
      m_deadWordsExpiry(new QTimer(this))
{
    m_deadWordsExpiry->setSingleShot(true);
    connect(m_deadWordsExpiry, &QTimer::timeout, this, &SyncPage::clearDeadLetterStatus);
    makeTargetModel();
    makeQueueModel();
    makeDeadLetterModel();
    makeAttemptModel();
    setUpViews();
    QWidget *targetsTab = buildTargetsTab();
    QWidget *deadTab = buildDeadLettersTab();
    QWidget *checkTab = buildConsistencyTab();
    QWidget *importTab = buildImportTab();
    m_tabs->addTab(targetsTab, QString());
    m_tabs->addTab(m_queueView, QString());
    m_tabs->addTab(deadTab, QString());
    m_tabs->addTab(checkTab, QString());
    m_tabs->addTab(importTab, QString());
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int tab) {
        if (tab == 1)
            refreshQueue();
        if (tab == 2) {
            refreshReplayWindow();
            refreshDeadLetters();
        }
    });
    for (QWidget *w :
         std::initializer_list<QWidget *>{m_pause, m_resume, m_enable, m_disable, m_retry,
                                          m_discard, m_replay, m_check, m_repair, m_import})
        gate(w, Permission::Operate);
    gate(m_editTarget, Permission::Administer);
    // No frame around the tabs' pages: the style draws it as translucent lines the page's
    // height, and Qt's raster engine hands such a line's rows to its thread pool and waits for
    // them: dozens of waits per repaint of the page, and its slowest frames on a busy machine.
    m_tabs->setDocumentMode(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs);
    retranslate();
}

/// The targets table: one row a target, counts first.
void SyncPage::makeTargetModel()
{
    using T = TargetStatus;
    m_targets = new RecordTableModel<T>(
        {
            targetNameColumn(),
            targetStateColumn(),
            circuitColumn(),
            backlogColumn(),
            oldestWaitingColumn(),
            deliveredColumn(),
            column<T>([] { return tr("Dead letters"); },
                      [](const T &t) { return countText(t.deadLetters); }),
            column<T>([] { return tr("Retries"); },
                      [](const T &t) { return countText(t.retries); }),
            column<T>([] { return tr("In flight"); },
                      [](const T &t) { return countText(t.inFlight); }),
            targetLastErrorColumn(),
        },
        [](const T &t) { return t.name; }, this);
    m_targets->setSameRow(sameTarget);
}

/// A target reached without certificate verification is marked red, with the reason.
SyncPage::TargetColumn SyncPage::targetNameColumn()
{
    using T = TargetStatus;
    return {[] { return tr("Target"); },
            [](const T &t, int role) -> QVariant {
                if (role == Qt::DisplayRole) {
                    QString text = t.name;
                    if (t.tlsInsecure)
                        text = tr("%1  (TLS not verified)").arg(text);
                    if (t.unsignedDeliveries)
                        text = tr("%1  (unsigned)").arg(text);
                    return text;
                }
                if (role == Qt::ForegroundRole && (t.tlsInsecure || t.unsignedDeliveries))
                    return QBrush(QColor(0xc6, 0x28, 0x28));
                if (role == Qt::ToolTipRole) {
                    QStringList why;
                    if (t.tlsInsecure)
                        why << tr("tls_insecure is set: the target's certificate is not "
                                  "verified, so its deliveries can be read and changed on the "
                                  "way.");
                    if (t.unsignedDeliveries)
                        why << (t.name.startsWith(QLatin1String("node:"))
                                    ? tr("cluster_secret is empty: cluster sync to this node "
                                         "goes out unsigned, and the node cannot tell it from "
                                         "a forgery. Set cluster_secret in the config.")
                                    : tr("This target has no secret: its deliveries go out "
                                         "unsigned, and it cannot tell them from a forgery. "
                                         "Give it one in the config (jobfirstctl target set "
                                         "%1 --secret-file FILE).")
                                          .arg(t.name));
                    return why.isEmpty() ? QVariant() : QVariant(why.join(u'\n'));
                }
                return {};
            }};
}

/// Whether it is delivered to, and if not why: its node's state in the Nodes page's words.
SyncPage::TargetColumn SyncPage::targetStateColumn() const
{
    using T = TargetStatus;
    return {[] { return tr("State"); },
            [this](const T &t, int role) -> QVariant {
                if (role == Qt::BackgroundRole)
                    return !t.enabled                          ? QBrush(QColor(0xf1, 0x94, 0x8a))
                           : t.circuit != CircuitState::Closed ? QBrush(QColor(0xfa, 0xdb, 0xd8))
                                                               : QVariant();
                return role == Qt::DisplayRole ? QVariant(targetState(t, m_heldBy.value(t.name)))
                                               : QVariant();
            }};
}

/// Its circuit, when this process knows it.
SyncPage::TargetColumn SyncPage::circuitColumn()
{
    using T = TargetStatus;
    return {[] { return tr("Circuit"); },
            [](const T &t, int role) -> QVariant {
                // Only the delivering process knows it, and only once it tried the target:
                // before, it is the closed circuit every engine starts with (a reopened demo's
                // targets read "closed" while down), not known.
                if (role == Qt::ToolTipRole && t.liveStateKnown() && !t.triedSinceStart)
                    return notTriedText();
                if (role != Qt::DisplayRole)
                    return {};
                if (!t.circuitKnown())
                    return QStringLiteral("—");
                // An open circuit says when it tries again, not only that it is open.
                const qint64 left = t.nextProbeAt - QDateTime::currentMSecsSinceEpoch();
                return t.circuit == CircuitState::Open && t.nextProbeAt
                           ? tr("open, next probe in %1").arg(ageText(std::max<qint64>(left, 1000)))
                           : circuitText(t.circuit);
            }};
}

/// A target not delivered to (its node down, paused, disabled) holds its backlog:
/// not behind, waiting. Said so, not counted as if it were being worked on.
SyncPage::TargetColumn SyncPage::backlogColumn() const
{
    using T = TargetStatus;
    return {[] { return tr("Backlog"); },
            [this](const T &t, int role) -> QVariant {
                if (!m_storeUnreachable.isEmpty())
                    return unknownCount(role);
                const bool held = t.backlog && t.holdsBacklog();
                if (role == Qt::DisplayRole)
                    return held ? tr("%1 held").arg(countText(t.backlog)) : countText(t.backlog);
                if (role == Qt::ToolTipRole && held)
                    return heldText();
                return {};
            }};
}

/// The age of the target's oldest waiting delivery; not known while the store is away.
SyncPage::TargetColumn SyncPage::oldestWaitingColumn() const
{
    using T = TargetStatus;
    return {[] { return tr("Oldest waiting"); },
            [this](const T &t, int role) -> QVariant {
                if (!m_storeUnreachable.isEmpty())
                    return unknownCount(role);
                return role == Qt::DisplayRole ? QVariant(ageText(t.oldestWaitingMs)) : QVariant();
            }};
}

/// Counted in the engine's memory: they start again when the engine restarts, and
/// the header says since when (HAProxy's stats page does the same).
SyncPage::TargetColumn SyncPage::deliveredColumn() const
{
    using T = TargetStatus;
    return {[this] {
                // Two lines: the column stays as narrow as its figures.
                return m_countingSince ? tr("Delivered\nsince %1").arg(sinceText(m_countingSince))
                                       : tr("Delivered");
            },
            [this](const T &t, int role) -> QVariant {
                if (role == Qt::DisplayRole)
                    return countText(t.success);
                if (role == Qt::ToolTipRole && m_countingSince)
                    return tr("Delivered since the engine started at %1; the count starts "
                              "again when the engine restarts.")
                        .arg(timeText(m_countingSince));
                return {};
            }};
}

/// A target that failed and has delivered since is not shown failing: its last
/// failure stays (with its time, as Envoy and HAProxy keep it), greyed and worded
/// as past.
SyncPage::TargetColumn SyncPage::targetLastErrorColumn() const
{
    using T = TargetStatus;
    return {[] { return tr("Last error"); },
            [this](const T &t, int role) -> QVariant {
                if (t.lastError.isEmpty() && t.liveStateKnown() && !t.triedSinceStart) {
                    if (role == Qt::DisplayRole)
                        return tr("not tried since start");
                    if (role == Qt::ToolTipRole)
                        return notTriedText();
                    if (role == Qt::ForegroundRole)
                        return QBrush(QColor(0x80, 0x8b, 0x96));
                }
                if (t.lastError.isEmpty())
                    return {};
                const bool past = deliversAgain(t);
                if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
                    const QString at = clockText(t.lastErrorAt);
                    const QString error = deliveryErrorText(t.lastError);
                    return past ? tr("delivering again; last failed at %1: %2")
                                      .arg(at, role == Qt::DisplayRole ? error.left(120) : error)
                                : QStringLiteral("%1  %2").arg(
                                      at, role == Qt::DisplayRole ? error.left(120) : error);
                }
                if (role == Qt::ForegroundRole && past)
                    return QBrush(QColor(0x80, 0x8b, 0x96));
                return {};
            }};
}

/// The queue tab: deliveries waiting, soonest first.
void SyncPage::makeQueueModel()
{
    using Q = QueuedDelivery;
    m_queue = new RecordTableModel<Q>(
        {
            column<Q>([] { return tr("ID"); },
                      [](const Q &q) { return QString::number(q.deliveryId); }),
            column<Q>([] { return tr("Target"); }, [](const Q &q) { return q.target; }),
            column<Q>([] { return tr("User"); },
                      [](const Q &q) {
                          return q.eventCount > 1 ? tr("%Ln users (bulk)", nullptr, q.eventCount)
                                                  : q.userId;
                      }),
            column<Q>([] { return tr("Type"); }, [](const Q &q) { return q.eventType; }),
            column<Q>([] { return tr("Attempts"); },
                      [](const Q &q) { return countText(q.attempts); }),
            column<Q>([] { return tr("Next attempt"); },
                      [this](const Q &q) { return waitText(q); }),
            column<Q>([] { return tr("Waiting"); },
                      [](const Q &q) {
                          return ageText(QDateTime::currentMSecsSinceEpoch() - q.createdAt);
                      }),
            lastErrorColumn<Q>(),
        },
        [](const Q &q) { return QString::number(q.deliveryId); }, this);
}

/// The dead letters table.
void SyncPage::makeDeadLetterModel()
{
    using D = DeadLetter;
    m_dead = new RecordTableModel<D>(
        {
            column<D>([] { return tr("ID"); },
                      [](const D &d) { return QString::number(d.deliveryId); }),
            column<D>([] { return tr("Target"); }, [](const D &d) { return d.target; }),
            column<D>([] { return tr("User"); },
                      [](const D &d) {
                          return d.eventCount > 1 ? tr("%Ln users (bulk)", nullptr, d.eventCount)
                                                  : d.userId;
                      }),
            column<D>([] { return tr("Type"); }, [](const D &d) { return d.eventType; }),
            column<D>([] { return tr("Attempts"); },
                      [](const D &d) { return countText(d.attempts); }),
            column<D>([] { return tr("Failed at"); },
                      [](const D &d) { return timeText(d.failedAt); }),
            lastErrorColumn<D>(), // and attempt by attempt below
        },
        [](const D &d) { return QString::number(d.deliveryId); }, this);
}

/// The chosen dead letter's attempts.
void SyncPage::makeAttemptModel()
{
    using A = DeliveryAttempt;
    m_attempts = new RecordTableModel<A>(
        {
            column<A>([] { return tr("Time"); }, [](const A &a) { return timeText(a.at); }),
            column<A>([] { return tr("HTTP"); },
                      [](const A &a) {
                          return a.httpStatus ? QString::number(a.httpStatus) : QStringLiteral("—");
                      }),
            column<A>([] { return tr("Duration (ms)"); },
                      [](const A &a) { return QString::number(a.durationMs, 'f', 1); }),
            column<A>([] { return tr("Error"); },
                      [](const A &a) { return deliveryErrorText(a.error); }),
            column<A>([] { return tr("Response"); }, [](const A &a) { return a.bodyHead; }),
        },
        [](const A &a) { return QString::number(a.at) + a.error; }, this);
}

/// The tables over the models, and the replay window's fields.
void SyncPage::setUpViews()
{
    // The JobFirst services and the cluster's own nodes (cluster sync, "node:<id>") are two
    // kinds of target: shown apart, so "six services" on the banner is what the table shows.
    m_serviceTargets = new QSortFilterProxyModel(this);
    m_serviceTargets->setSourceModel(m_targets);
    m_serviceTargets->setFilterRegularExpression(QRegularExpression(QStringLiteral("^(?!node:)")));
    m_nodeTargets = new QSortFilterProxyModel(this);
    m_nodeTargets->setSourceModel(m_targets);
    m_nodeTargets->setFilterRegularExpression(QRegularExpression(QStringLiteral("^node:")));
    m_targetView = makeView(m_serviceTargets, QStringLiteral("targetTable"));
    m_nodeTargetView = makeView(m_nodeTargets, QStringLiteral("nodeTargetTable"));
    for (QTableView *v : {m_targetView, m_nodeTargetView}) {
        v->setSelectionMode(QAbstractItemView::SingleSelection);
        v->setWordWrap(false);
        auto *fitter = new ColumnFitter(v); // a node target per node: 1,000 rows in a large cluster
        fitter->setLastColumnElides(true);  // a long last error: its whole in the tooltip
        m_fitters << fitter;
    }
    // One selection across both tables: the buttons act on the target last chosen.
    connect(m_targetView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this](const QItemSelection &s) {
                if (!s.isEmpty())
                    m_nodeTargetView->clearSelection();
            });
    connect(m_nodeTargetView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this](const QItemSelection &s) {
                if (!s.isEmpty())
                    m_targetView->clearSelection();
            });
    m_queueView = makeView(m_queue, QStringLiteral("queueTable"));
    // As the dead letters: one line a row, a long last error elided to the room left.
    m_queueView->setWordWrap(false);
    (new ColumnFitter(m_queueView))->setLastColumnElides(true);
    m_deadView = makeView(m_dead, QStringLiteral("deadLetterTable"));
    m_deadView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    // Each column as wide as its words, one line a row: the type was cut and the time wrapped.
    m_deadView->setWordWrap(false);
    // A long last error (a service that answered with a page) elides, as on the Targets tab:
    // it pushed the other columns and the table past the window.
    (new ColumnFitter(m_deadView))->setLastColumnElides(true);
    m_attemptView = makeView(m_attempts, QStringLiteral("attemptTable"));
    m_payload->setReadOnly(true);
    m_report->setReadOnly(true);
    m_report->setObjectName(QStringLiteral("consistencyReport"));
    m_check->setObjectName(QStringLiteral("checkConsistency"));
    m_retry->setObjectName(QStringLiteral("retrySelected"));
    m_importPath->setObjectName(QStringLiteral("importPath"));
    m_importStatus->setObjectName(QStringLiteral("importStatus"));
    m_replayFrom->setCalendarPopup(true);
    m_replayTo->setCalendarPopup(true);
    m_replayFrom->setObjectName(QStringLiteral("replayFrom"));
    m_replayTo->setObjectName(QStringLiteral("replayTo"));
    refreshReplayWindow();
    // Set by the operator from here on (refreshReplayWindow() sets them with signals blocked).
    connect(m_replayFrom, &QDateTimeEdit::dateTimeChanged, this,
            [this] { m_replayFromEdited = true; });
    connect(m_replayTo, &QDateTimeEdit::dateTimeChanged, this, [this] { m_replayToEdited = true; });
    m_importProgress->setRange(0, 1000);
}

QWidget *SyncPage::buildTargetsTab()
{
    // Targets tab.
    auto *targetsTab = new QWidget;
    auto *tl = new QVBoxLayout(targetsTab);
    auto *tb = new QHBoxLayout;
    for (QPushButton *b : {m_pause, m_resume, m_enable, m_disable})
        tb->addWidget(b);
    tb->addSpacing(20);
    tb->addWidget(m_editTarget);
    tb->addStretch();
    tl->addLayout(tb);
    m_serviceHeading = new QLabel;
    m_nodeHeading = new QLabel;
    for (QLabel *l : {m_serviceHeading, m_nodeHeading})
        l->setStyleSheet(QStringLiteral("font-weight: bold;"));
    auto *targetSplit = new QSplitter(Qt::Vertical);
    for (auto [heading, view] :
         {std::pair{m_serviceHeading, m_targetView}, std::pair{m_nodeHeading, m_nodeTargetView}}) {
        auto *box = new QWidget;
        auto *bl = new QVBoxLayout(box);
        bl->setContentsMargins(0, 0, 0, 0);
        bl->addWidget(heading);
        bl->addWidget(view, 1);
        targetSplit->addWidget(box);
    }
    tl->addWidget(targetSplit, 1);
    const auto targetAction = [this](auto fn) {
        return [this, fn] {
            const QString t = selectedTarget();
            if (!t.isEmpty())
                run(fn(Page::session(), t));
        };
    };
    connect(m_pause, &QPushButton::clicked, this, targetAction([](EngineSession *s, const QString &t) { return s->setTargetPaused(t, true); }));
    connect(m_resume, &QPushButton::clicked, this, targetAction([](EngineSession *s, const QString &t) { return s->setTargetPaused(t, false); }));
    connect(m_enable, &QPushButton::clicked, this, targetAction([](EngineSession *s, const QString &t) { return s->setTargetEnabled(t, true); }));
    connect(m_disable, &QPushButton::clicked, this, targetAction([](EngineSession *s, const QString &t) { return s->setTargetEnabled(t, false); }));
    // As on the Nodes page: with no target chosen there is nothing to act on, and a button
    // that can be clicked but does nothing told the operator nothing (walk19).
    m_pause->setObjectName(QStringLiteral("pauseTarget"));
    m_resume->setObjectName(QStringLiteral("resumeTarget"));
    // Each offers only what would change the chosen target (no Pause on a paused one), and
    // follows its state as snapshots arrive (walk20).
    const auto updateTargetButtons = [this] {
        const int row = m_targets->rowOfKey(selectedTarget());
        const TargetStatus *t = row >= 0 ? &m_targets->row(row) : nullptr;
        m_pause->setEnabled(t && !t->paused);
        m_resume->setEnabled(t && t->paused);
        m_enable->setEnabled(t && !t->enabled);
        m_disable->setEnabled(t && t->enabled);
    };
    updateTargetButtons();
    for (QTableView *v : {m_targetView, m_nodeTargetView})
        connect(v->selectionModel(), &QItemSelectionModel::selectionChanged, this,
                updateTargetButtons);
    connect(m_targets, &QAbstractItemModel::modelReset, this, updateTargetButtons);
    connect(m_targets, &QAbstractItemModel::dataChanged, this, updateTargetButtons);
    // A service target's connection (URL, TLS, token) is config: edited in a dialog, applied as
    // a new config version. A node's target follows the node (Nodes → Edit).
    m_editTarget->setObjectName(QStringLiteral("editTarget"));
    m_editTarget->setEnabled(false);
    connect(m_targetView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        m_editTarget->setEnabled(!m_targetView->selectionModel()->selectedRows().isEmpty());
    });
    connect(m_editTarget, &QPushButton::clicked, this, [this] {
        const QModelIndexList rows = m_targetView->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            editTarget(m_targets->row(m_serviceTargets->mapToSource(rows.first()).row()).name);
    });

    return targetsTab;
}

QWidget *SyncPage::buildDeadLettersTab()
{
    // Dead letters tab.
    auto *deadTab = new QWidget;
    auto *dl = new QVBoxLayout(deadTab);
    auto *db = new QHBoxLayout;
    db->addWidget(m_retry);
    db->addWidget(m_discard);
    db->addSpacing(20);
    for (int i = 0; i < 3; ++i)
        m_labels << new QLabel;
    db->addWidget(m_labels[0]);
    db->addWidget(m_replayTarget);
    db->addWidget(m_replayFrom);
    db->addWidget(m_labels[1]);
    db->addWidget(m_replayTo);
    db->addWidget(m_replay);
    db->addStretch();
    dl->addLayout(db);
    m_deadStatus->setObjectName(QStringLiteral("deadLetterStatus"));
    m_deadStatus->setWordWrap(true);
    m_deadStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Its line stays when the words go: the list below does not jump up and down with them.
    m_deadStatus->setMinimumHeight(m_deadStatus->fontMetrics().height());
    dl->addWidget(m_deadStatus);
    auto *deadSplit = new QSplitter(Qt::Vertical);
    deadSplit->addWidget(m_deadView);
    auto *detailBox = new QWidget;
    auto *detailLayout = new QVBoxLayout(detailBox);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    m_deadDetailTitle->setObjectName(QStringLiteral("deadLetterDetailTitle"));
    detailLayout->addWidget(m_deadDetailTitle);
    auto *detail = new QSplitter(Qt::Horizontal);
    detail->addWidget(m_attemptView);
    detail->addWidget(m_payload);
    detailLayout->addWidget(detail, 1);
    deadSplit->addWidget(detailBox);
    dl->addWidget(deadSplit);
    connect(m_deadView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &SyncPage::showAttempts);
    connect(m_retry, &QPushButton::clicked, this, &SyncPage::retrySelected);
    connect(m_discard, &QPushButton::clicked, this, [this] {
        const QList<qint64> ids = selectedDeadLetters();
        if (ids.isEmpty())
            return;
        if (QMessageBox::question(this, tr("Discard dead letters"),
                                  tr("Discard %Ln dead letter(s)? They will not be delivered; the "
                                     "audit log keeps who discarded them.",
                                     nullptr, int(ids.size()))) != QMessageBox::Yes)
            return;
        runOnDeadLetters(
            Page::session()->discardDeadLetters(ids),
            [](int n) { return tr("%Ln dead letter(s) discarded.", nullptr, n); },
            [](const QString &why) { return tr("Discard failed: %1").arg(why); });
    });
    connect(m_replay, &QPushButton::clicked, this, &SyncPage::confirmReplay);

    return deadTab;
}

void SyncPage::confirmReplay()
{
    const QString target = m_replayTarget->currentData().toString();
    refreshReplayWindow();
    const qint64 from = m_replayFrom->dateTime().toMSecsSinceEpoch();
    // Until the operator sets it, "to" is the moment of the click, to the millisecond (the
    // picker shows minutes): a dead letter of this minute is in the window.
    const qint64 to = m_replayToEdited ? m_replayTo->dateTime().toMSecsSinceEpoch()
                                       : QDateTime::currentMSecsSinceEpoch();
    // Discard asked first and a replay of every target's letters did not (misc35): it asks
    // too, saying how many letters go to which targets, as the list counts them.
    QStringList targets;
    int letters = 0;
    for (const DeadLetter &d : m_dead->rows()) {
        if ((target.isEmpty() || d.target == target) && d.failedAt >= from && d.failedAt <= to) {
            ++letters;
            if (!targets.contains(d.target))
                targets << d.target;
        }
    }
    const bool listedAll = m_dead->rows().size() < DeadLettersListed;
    if (letters == 0 && listedAll) { // nothing to send: the answer says so
        replayWindow(target, from, to);
        return;
    }
    targets.sort();
    const QString to3 = !targets.isEmpty() ? targets.join(QStringLiteral(", "))
                        : target.isEmpty()  ? tr("all targets")
                                            : target;
    const QString question =
        listedAll ? tr("Replay %Ln dead letter(s) that failed between %1 and %2 to %3? They are "
                       "sent again now; the audit log keeps who replayed them.",
                       nullptr, letters)
                        .arg(timeText(from), timeText(to), to3)
                  : tr("Replay at least %Ln dead letter(s) that failed between %1 and %2 to %3 "
                       "(the list shows the newest %4 only)? They are sent again now; the audit "
                       "log keeps who replayed them.",
                       nullptr, letters)
                        .arg(timeText(from), timeText(to), to3, QString::number(DeadLettersListed));
    auto *box = new QMessageBox(QMessageBox::Question, tr("Replay dead letters"), question,
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("confirmReplay"));
    connect(box, &QMessageBox::accepted, this,
            [this, target, from, to] { replayWindow(target, from, to); });
    box->open();
}

void SyncPage::replayWindow(const QString &target, qint64 from, qint64 to)
{
    runOnDeadLetters(
        Page::session()->replay(target, from, to),
        [](int n) {
            return n == 0 ? tr("No dead letter failed in that window: nothing was sent again.")
                          : tr("%Ln dead letter(s) queued again.", nullptr, n);
        },
        [](const QString &why) { return tr("Replay failed: %1").arg(why); });
}

QWidget *SyncPage::buildConsistencyTab()
{
    // Consistency tab.
    auto *checkTab = new QWidget;
    auto *cl = new QVBoxLayout(checkTab);
    auto *cb = new QHBoxLayout;
    cb->addWidget(m_checkTarget);
    cb->addWidget(m_check);
    cb->addWidget(m_repair);
    cb->addStretch();
    cl->addLayout(cb);
    cl->addWidget(m_report);
    connect(m_check, &QPushButton::clicked, this, [this] { runCheck(false); });
    connect(m_repair, &QPushButton::clicked, this, [this] { runCheck(true); });
    connect(&m_checkWatcher, &QFutureWatcher<QString>::finished, this, [this] {
        m_check->setEnabled(true);
        m_repair->setEnabled(true);
        // Canceled (the session went away before the engine answered): there is no result
        // to read, and a repair may have run in part.
        const QString text = m_checkWatcher.isCanceled()
                                 ? tr("Canceled before the engine answered; check again to see "
                                      "where the target stands.")
                                 : m_checkWatcher.result();
        m_report->setPlainText(text);
        emit checkFinished(text);
    });

    return checkTab;
}

QWidget *SyncPage::buildImportTab()
{
    // Import tab.
    auto *importTab = new QWidget;
    auto *il = new QVBoxLayout(importTab);
    auto *ib = new QHBoxLayout;
    ib->addWidget(m_labels[2]);
    ib->addWidget(m_importPath, 1);
    ib->addWidget(m_browse);
    il->addLayout(ib);
    auto *ib2 = new QHBoxLayout;
    ib2->addWidget(m_import);
    ib2->addWidget(m_cancelImport);
    ib2->addWidget(m_importProgress, 1);
    il->addLayout(ib2);
    il->addWidget(m_importStatus);
    il->addStretch();
    m_cancelImport->setEnabled(false);
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Users to import"), QString(), tr("Users (*.jsonl *.json *.csv);;All files (*)"));
        if (!f.isEmpty())
            m_importPath->setText(f);
    });
    connect(m_import, &QPushButton::clicked, this, [this] { startImport(m_importPath->text()); });
    connect(m_cancelImport, &QPushButton::clicked, this, [this] {
        if (m_importJob)
            m_importJob->cancel();
    });
    connect(&m_importWatcher, &QFutureWatcher<Result<ImportProgress>>::finished, this, [this] {
        m_import->setEnabled(true);
        m_cancelImport->setEnabled(false);
        const bool cancelled = m_importJob && m_importJob->isCancelled();
        showImportStatus(
            [r = m_importWatcher.result(), cancelled] { return importText(r, cancelled); });
        emit importFinished(m_importStatus->text());
    });

    return importTab;
}

SyncPage::~SyncPage()
{
    // The engine waits for its own jobs when it stops; answers after this are dropped.
    if (m_importJob)
        m_importJob->cancel();
}

void SyncPage::retranslate()
{
    if (m_importWords)
        m_importStatus->setText(m_importWords());
    if (m_deadWords)
        m_deadStatus->setText(m_deadWords());
    m_tabs->setTabText(0, tr("Targets"));
    m_serviceHeading->setText(tr("JobFirst services"));
    m_nodeHeading->setText(tr("Cluster nodes (cluster sync to each Basic Server node)"));
    m_tabs->setTabText(1, tr("Queue"));
    m_tabs->setTabText(2, tr("Dead letters"));
    m_tabs->setTabText(3, tr("Consistency"));
    m_tabs->setTabText(4, tr("Import"));
    m_pause->setText(tr("Pause"));
    m_resume->setText(tr("Resume"));
    m_enable->setText(tr("Enable"));
    m_disable->setText(tr("Disable"));
    m_editTarget->setText(tr("Edit connection…"));
    m_retry->setText(tr("Retry selected"));
    m_discard->setText(tr("Discard selected…"));
    m_replay->setText(tr("Replay window"));
    m_labels[0]->setText(tr("Replay dead letters of"));
    m_labels[1]->setText(tr("to"));
    m_labels[2]->setText(tr("File (JSON Lines or CSV):"));
    m_check->setText(tr("Check"));
    m_repair->setText(tr("Check and repair"));
    m_browse->setText(tr("Browse…"));
    m_import->setText(tr("Import"));
    m_cancelImport->setText(tr("Cancel"));
    if (m_replayTarget->count() == 0)
        m_replayTarget->addItem(QString(), QString());
    m_replayTarget->setItemText(0, tr("all targets"));
    // Dates in the chosen language's form (QLocale's default follows the language switch).
    for (QDateTimeEdit *e : {m_replayFrom, m_replayTo}) {
        const QSignalBlocker quiet(e); // not an edit of the operator's
        e->setLocale(QLocale());
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    }
    showAttempts();
    for (auto *m : {static_cast<QAbstractItemModel *>(m_targets), static_cast<QAbstractItemModel *>(m_queue),
                    static_cast<QAbstractItemModel *>(m_dead), static_cast<QAbstractItemModel *>(m_attempts)})
        emit m->headerDataChanged(Qt::Horizontal, 0, m->columnCount() - 1);
}

void SyncPage::applySnapshot(const EngineSnapshot &s)
{
    if (s.sync.countingSince != m_countingSince) {
        m_countingSince = s.sync.countingSince;
        emit m_targets->headerDataChanged(Qt::Horizontal, 0, m_targets->columnCount() - 1);
    }
    m_lastTargets = s.sync.targets;
    m_targetStateStale = true;
    // A new error, or one now past, has other words: its column is fitted to them (values
    // that change are not fitted, for a thousand rows' sake).
    // So do a circuit that opens and a backlog that is held ("not delivering (circuit
    // open)", "12 held"); a node target's is held with no error when its node goes down.
    // A held backlog that gains a digit ("9 held" → "12 held") is refitted too: its cell says
    // how much waits, so it is not cut.
    int wordy = 0;
    int heldDigits = 0;
    for (const TargetStatus &t : s.sync.targets) {
        const bool held = t.backlog && t.holdsBacklog();
        wordy += t.circuit != CircuitState::Closed || held;
        if (held)
            heldDigits = std::max(heldDigits, digitsOf(t.backlog));
    }
    const bool wordsChanged = wordy != m_wordyTargets || heldDigits != m_heldDigits;
    m_wordyTargets = wordy;
    m_heldDigits = heldDigits;
    if (noteRecoveries(s.sync.targets) || wordsChanged)
        for (ColumnFitter *f : std::as_const(m_fitters))
            f->schedule();
    // A node target is held while its node is not up (or in maintenance): said in the node's
    // own words, as the Nodes page says them (down and failed apart). The rows compare equal
    // when only the node's state changed, so they are re-read when a word changes (and the
    // queue's rows with them).
    QHash<QString, QString> heldBy;
    for (const NodeStatus &n : s.nodes)
        if (n.health != HealthState::Up || n.spec.adminState == AdminState::Maintenance)
            heldBy.insert(QStringLiteral("node:") + n.spec.id, n.health == HealthState::Up
                                                                   ? adminText(n.spec.adminState)
                                                                   : healthText(n.health));
    const bool heldWordsChanged = heldBy != m_heldBy;
    m_heldBy = std::move(heldBy);
    // PostgreSQL away: the backlogs are the last counts read, which the rows still hold (and
    // compare equal by), so they are drawn again as not known, and again once it is back.
    const QString unreachable = s.sync.storeUnavailable() ? s.sync.deliveryStandbyFor : QString();
    const bool reachChanged = unreachable != m_storeUnreachable;
    m_storeUnreachable = unreachable;
    const bool reset = m_targets->setRows(s.sync.targets);
    if (reachChanged && !reset)
        m_targets->retranslate();
    if (heldWordsChanged) {
        if (!reset)
            m_targets->retranslate();
        m_queue->retranslate(); // its wait reasons ("held: node failed")
    }
    // The same targets as before (the usual case): compared in place, no list of a thousand
    // names made for every snapshot.
    bool sameNames = s.sync.targets.size() == m_targetNames.size();
    for (qsizetype i = 0; sameNames && i < s.sync.targets.size(); ++i)
        sameNames = s.sync.targets.at(i).name == m_targetNames.at(i);
    if (!sameNames) {
        QStringList names;
        names.reserve(s.sync.targets.size());
        for (const TargetStatus &t : s.sync.targets)
            names << t.name;
        m_targetNames = names;
        const QString current = m_checkTarget->currentText();
        m_checkTarget->clear();
        m_checkTarget->addItems(names);
        m_checkTarget->setCurrentText(current);
        while (m_replayTarget->count() > 1)
            m_replayTarget->removeItem(1);
        for (const QString &n : names)
            m_replayTarget->addItem(n, n);
    }
    if (isVisible() && m_tabs->currentIndex() == 1)
        refreshQueue();
    if (isVisible() && m_tabs->currentIndex() == 2)
        refreshDeadLetters();
}

QVariant SyncPage::unknownCount(int role) const
{
    if (role == Qt::DisplayRole)
        return QStringLiteral("—");
    if (role == Qt::ToolTipRole)
        return tr("Not known while the store cannot be reached: %1").arg(m_storeUnreachable);
    return {};
}

bool SyncPage::noteRecoveries(const QList<TargetStatus> &targets)
{
    bool changed = false;
    // The engine keeps a target's last error, not its last success: a delivery counted after
    // the error was first seen, with the circuit closed, is what says the target recovered.
    // Its row changes then too (its count did), so it is drawn again.
    for (const TargetStatus &t : targets) {
        if (t.lastErrorAt == 0)
            continue;
        FailureSeen &f = m_failures[t.name];
        if (f.at != t.lastErrorAt) {
            f = {t.lastErrorAt, t.success, false};
            changed = true;
        } else if (!f.recovered && t.success > f.deliveredThen &&
                   t.circuit == CircuitState::Closed) {
            f.recovered = true;
            changed = true;
        }
    }
    return changed;
}

bool SyncPage::deliversAgain(const TargetStatus &t) const
{
    const auto it = m_failures.constFind(t.name);
    return it != m_failures.cend() && it->at == t.lastErrorAt && it->recovered;
}

QString SyncPage::clockText(qint64 msSinceEpoch)
{
    // The time of day for today's failures; the date too for an older one.
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(msSinceEpoch);
    return at.toString(at.date() == QDate::currentDate() ? QStringLiteral("HH:mm:ss")
                                                         : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

void SyncPage::showEvent(QShowEvent *event)
{
    // A console open for hours offered the day it started in: the window ends now instead.
    refreshReplayWindow();
    Page::showEvent(event);
}

void SyncPage::refreshReplayWindow()
{
    const QDateTime now = QDateTime::currentDateTime();
    if (!m_replayFromEdited) {
        const QSignalBlocker quiet(m_replayFrom);
        m_replayFrom->setDateTime(now.addDays(-1));
    }
    if (!m_replayToEdited) {
        const QSignalBlocker quiet(m_replayTo);
        m_replayTo->setDateTime(now);
    }
}

TargetDialog *SyncPage::editTarget(const QString &name)
{
    auto *dialog = new TargetDialog(Page::session(), name, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

QString SyncPage::selectedTarget() const
{
    for (auto [view, proxy] :
         {std::pair{m_targetView, m_serviceTargets}, std::pair{m_nodeTargetView, m_nodeTargets}}) {
        const QModelIndexList rows = view->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            return m_targets->row(proxy->mapToSource(rows.first()).row()).name;
    }
    return {};
}

QList<qint64> SyncPage::selectedDeadLetters() const
{
    QList<qint64> ids;
    for (const QModelIndex &i : m_deadView->selectionModel()->selectedRows())
        ids << m_dead->row(i.row()).deliveryId;
    return ids;
}

void SyncPage::run(QFuture<Status> action)
{
    whenFinished(action, this, [this](const Status &s) {
        if (!s)
            emit actionFailed(errorMessage(s.error()));
        refreshDeadLetters();
    });
}

QString SyncPage::waitText(const QueuedDelivery &q) const
{
    // Why a row waits, rather than a "next attempt" time that may be long past: a held or
    // paused target, a circuit waiting for its probe, or a retry time still ahead.
    if (m_targetStateStale) {
        m_targetState.clear();
        for (const TargetStatus &t : m_lastTargets)
            m_targetState.insert(t.name, t);
        m_targetStateStale = false;
    }
    const auto it = m_targetState.constFind(q.target);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (it != m_targetState.cend()) {
        const TargetStatus &t = it.value();
        if (!t.enabled)
            return tr("held: target disabled");
        if (t.held) {
            const QString word = m_heldBy.value(t.name);
            return word.isEmpty() ? tr("held: node not up")
                                  : tr("held: node %1", "the node's state: down, failed, "
                                                        "maintenance…")
                                        .arg(word);
        }
        if (t.paused)
            return tr("held: target paused");
        if (t.circuit == CircuitState::Open)
            return t.nextProbeAt ? tr("waiting for the circuit, next probe in %1")
                                       .arg(ageText(std::max<qint64>(t.nextProbeAt - now, 1000)))
                                 : tr("waiting for the circuit");
        if (t.circuit == CircuitState::HalfOpen)
            return tr("waiting for the circuit's probe");
    }
    if (q.nextAt > now)
        return tr("retry in %1").arg(ageText(std::max<qint64>(q.nextAt - now, 1000)));
    return tr("due now");
}

void SyncPage::refreshQueue()
{
    whenFinished(session()->queue({}, 200), this, [this](const Result<QList<QueuedDelivery>> &r) {
        if (r)
            m_queue->setRows(r.value());
    });
}

void SyncPage::refreshDeadLetters()
{
    const quint64 serial = ++m_deadRefreshes;
    whenFinished(session()->deadLetters({}, DeadLettersListed), this,
                 [this, serial](const Result<QList<DeadLetter>> &r) {
                     if (!r)
                         return;
                     noteDeadLetterList(serial, r.value());
                     const QList<qint64> selected = selectedDeadLetters();
                     {
                         // Restoring the selection is not a new choice of the operator.
                         const QSignalBlocker quiet(m_deadView->selectionModel());
                         m_dead->setRows(r.value());
                         for (qint64 id : selected) {
                             const int row = m_dead->rowOfKey(QString::number(id));
                             if (row >= 0)
                                 m_deadView->selectionModel()->select(
                                     m_dead->index(row, 0),
                                     QItemSelectionModel::Select | QItemSelectionModel::Rows);
                         }
                     }
                     // A retried or discarded dead letter leaves the list: its attempts and payload
                     // go too.
                     if (selectedDeadLetters() != selected ||
                         m_attemptsFor != (selected.size() == 1 ? selected.first() : 0))
                         showAttempts();
                     m_deadView->viewport()->update();
                     emit deadLettersRefreshed();
                 });
}

void SyncPage::retrySelected()
{
    const QList<qint64> ids = selectedDeadLetters();
    if (ids.isEmpty())
        return;
    runOnDeadLetters(
        session()->retryDeadLetters(ids),
        [](int n) { return tr("%Ln dead letter(s) queued again.", nullptr, n); },
        [](const QString &why) { return tr("Retry failed: %1").arg(why); });
}

void SyncPage::runOnDeadLetters(QFuture<Result<int>> action, std::function<QString(int)> done,
                                std::function<QString(const QString &)> failed)
{
    whenFinished(action, this,
                 [this, done = std::move(done), failed = std::move(failed)](const Result<int> &r) {
                     // When it happened, so an old line is not read as the answer to a new click.
                     const QString at = QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
                     if (r)
                         m_deadWords = [done, n = r.value(), at] {
                             return QStringLiteral("%1  %2").arg(at, done(n));
                         };
                     else
                         m_deadWords = [failed, error = r.error(), at] {
                             return QStringLiteral("%1  %2").arg(at, failed(errorMessage(error)));
                         };
                     m_deadStatus->setStyleSheet(r ? QString() : QStringLiteral("color: #c0392b;"));
                     m_deadStatus->setText(m_deadWords());
                     // A failure stays longer: it may need reading twice.
                     m_deadWordsExpiry->start(r ? m_deadWordsLifetimeMs
                                                : 2 * m_deadWordsLifetimeMs);
                     m_deadWordsList.reset();
                     m_deadWordsRefresh = m_deadRefreshes + 1;
                     refreshDeadLetters();
                 });
}

void SyncPage::noteDeadLetterList(quint64 serial, const QList<DeadLetter> &rows)
{
    // A refresh asked before the answer shows the list from before the action.
    if (!m_deadWords || serial < m_deadWordsRefresh)
        return;
    QSet<qint64> ids;
    for (const DeadLetter &d : rows)
        ids.insert(d.deliveryId);
    if (!m_deadWordsList)
        m_deadWordsList = std::move(ids);
    else if (*m_deadWordsList != ids)
        clearDeadLetterStatus();
}

void SyncPage::clearDeadLetterStatus()
{
    m_deadWordsExpiry->stop();
    m_deadWords = nullptr;
    m_deadWordsList.reset();
    m_deadStatus->clear();
}

QString SyncPage::deadLetterStatus() const
{
    return m_deadStatus->text();
}

QString SyncPage::deadLetterDetailTitle() const
{
    return m_deadDetailTitle->text();
}

void SyncPage::showAttempts()
{
    const QList<qint64> ids = selectedDeadLetters();
    if (ids.size() != 1) {
        m_attemptsFor = 0;
        m_attempts->setRows({});
        m_payload->clear();
        m_deadDetailTitle->setText(
            ids.isEmpty()
                ? tr("No dead letter selected: select one to see its attempts and payload.")
                : tr("%Ln dead letters selected: select one to see its attempts and payload.",
                     nullptr, int(ids.size())));
        return;
    }
    const qint64 id = ids.first();
    m_attemptsFor = id;
    const int row = m_dead->rowOfKey(QString::number(id));
    if (row >= 0) {
        const DeadLetter &d = m_dead->row(row);
        m_payload->setPlainText(
            QString::fromUtf8(QJsonDocument(d.payload).toJson(QJsonDocument::Indented)));
        m_deadDetailTitle->setText(
            tr("Dead letter %1 to %2: attempts and payload").arg(id).arg(d.target));
    }
    m_attempts->setRows({});
    whenFinished(session()->attempts(id), this,
                 [this, id](const Result<QList<DeliveryAttempt>> &r) {
                     if (r && id == m_attemptsFor)
                         m_attempts->setRows(r.value());
                 });
}

void SyncPage::runCheck(bool repair)
{
    const QString target = m_checkTarget->currentText();
    if (target.isEmpty() || m_checkWatcher.isRunning())
        return;
    m_check->setEnabled(false);
    m_repair->setEnabled(false);
    m_report->setPlainText(tr("Comparing %1 with the ledger…").arg(target));
    // The check (and repair) is the engine's one workflow; this page only words its report.
    m_checkWatcher.setFuture(whenFinishedThen(
        session()->checkConsistency({target}, repair), this,
        [repair](const Result<QList<ConsistencyReport>> &reports) {
            if (!reports)
                return tr("Check failed: %1").arg(errorMessage(reports.error()));
            return reports->isEmpty() ? QString() : reportText(reports->first(), repair);
        }));
}

QString SyncPage::reportText(const ConsistencyReport &r, bool repair)
{
    if (!r.error.isEmpty())
        return tr("Check failed: %1").arg(r.error);
    QString text =
        tr("Target: %1\nRecords acknowledged (ledger): %2\nRecords held by the target: %3\n"
           "Missing: %4   Stale: %5   Unknown: %6\nConsistency: %7%\nBuckets differing: %8 of %9\n")
            .arg(r.target, countText(r.ledgerRecords), countText(r.targetRecords),
                 countText(r.missing), countText(r.stale), countText(r.unknown),
                 QLocale().toString(r.ratio * 100, 'f', 3), countText(r.bucketsDiffering),
                 countText(r.bucketsCompared));
    if (repair)
        text += tr("Repaired: %1 events sent again\n").arg(countText(r.repaired));
    if (!r.samples.isEmpty())
        text += QStringLiteral("\n") + r.samples.join(u'\n');
    return text;
}

void SyncPage::startImport(const QString &path)
{
    if (m_importWatcher.isRunning())
        return;
    if (path.trimmed().isEmpty()) {
        showImportStatus([] { return tr("Choose a file first."); });
        return;
    }
    m_import->setEnabled(false);
    m_cancelImport->setEnabled(true);
    m_importProgress->setValue(0);
    showImportStatus([path] { return tr("Importing %1…").arg(path); });
    m_importJob = std::make_shared<JobControl>();
    connect(m_importJob.get(), &JobControl::progressed, this, [this](double fraction) { m_importProgress->setValue(int(fraction * 1000)); });
    m_importWatcher.setFuture(session()->importUsers(path, 2000, m_importJob));
}

QString SyncPage::importText(const Result<ImportProgress> &r, bool cancelled)
{
    if (!r)
        return tr("Import failed: %1").arg(errorText(r.error()));
    // (lupdate 6.4 hangs on a call as the count argument: plain variables.) "1 user", not
    // "1 users": %Ln picks the language's plural form and writes the count as it does.
    const int users = int(std::min<qint64>(r->accepted, INT_MAX));
    const int lines = int(std::min<qint64>(r->lines, INT_MAX));
    QString text = cancelled ? tr("Import cancelled after %Ln user(s); start it again to resume.",
                                  nullptr, users)
                             : tr("Imported %Ln user(s) (%1).", nullptr, users)
                                   .arg(tr("%Ln line(s)", nullptr, lines));
    if (r->resumed)
        text += QLatin1Char(' ') + tr("Resumed where an earlier run stopped.");
    if (r->rejected) {
        const int rejected = int(std::min<qint64>(r->rejected, INT_MAX));
        text +=
            QLatin1Char(' ') + tr("%Ln line(s) were not users; the first: %1", nullptr, rejected)
                                   .arg(rejectedLineText(r->firstError));
    }
    return text;
}

QString SyncPage::rejectedLineText(const QString &engineError)
{
    // The engine words a rejected line in English ("line 7: not a JSON object (…)"): the line
    // and what is wrong with it in the console's language, the parser's own detail as it came.
    static const QRegularExpression line(QStringLiteral("^line (\\d+): (.*)$"),
                                         QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression notJson(QStringLiteral("^not a JSON object \\((.*)\\)$"),
                                            QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression fields(
        QStringLiteral("^(\\d+) fields, the header has (\\d+)$"));
    static const QRegularExpression tooLong(
        QStringLiteral("^(\\d+) bytes, more than sync_max_event_bytes \\((\\d+)\\)$"));
    static const QRegularExpression grows(
        QStringLiteral("^the event would be more than sync_max_event_bytes \\((\\d+)\\) bytes$"));
    const QRegularExpressionMatch l = line.match(engineError);
    if (!l.hasMatch())
        return engineError;
    const QString detail = l.captured(2);
    const auto bytes = [](const QString &n) { return countText(n.toLongLong()); };
    QString why = detail;
    QRegularExpressionMatch m;
    if ((m = notJson.match(detail)).hasMatch())
        why = tr("not a JSON object (%1)").arg(m.captured(1));
    else if ((m = fields.match(detail)).hasMatch())
        why = tr("%1 fields where the header has %2").arg(m.captured(1), m.captured(2));
    else if ((m = tooLong.match(detail)).hasMatch())
        why = tr("%1 bytes, more than sync_max_event_bytes (%2)")
                  .arg(bytes(m.captured(1)), bytes(m.captured(2)));
    else if ((m = grows.match(detail)).hasMatch())
        why = tr("as an event it would be more than sync_max_event_bytes (%1 bytes)")
                  .arg(bytes(m.captured(1)));
    // A line number names a place, not an amount: no separators.
    return tr("line %1: %2").arg(l.captured(1), why);
}

void SyncPage::showImportStatus(std::function<QString()> words)
{
    m_importWords = std::move(words);
    m_importStatus->setText(m_importWords());
}

} // namespace jobfirst::ui
