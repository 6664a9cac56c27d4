// SPDX-License-Identifier: GPL-3.0-or-later
// The console's Daemons page (issue 13) against real daemons: two jobfirstd sharing a
// PostgreSQL of the test's own, the console attached to one of them as a viewer. The page
// lists both with their partitions and follows when the other one is SIGKILLed: its heartbeat
// goes late and its partitions move to the survivor; each one's delivery rate is what it
// delivers. With a SQLite store the page shows the one embedded engine.
#include "api/localenginesession.h"
#include "awaitfuture.h"
#include "cellsfit.h"
#include "charts/livechart.h"
#include "consolelanguage.h"
#include "mainwindow.h"
#include "daemonprocess.h"
#include "nodesimprocess.h"
#include "pages/daemonspage.h"
#include "pages/overviewpage.h"
#include "postgresserver.h"
#include "remote/remoteenginesession.h"
#include "simtargetconfig.h"
#include "store/postgresschema.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSysInfo>
#include <QTableView>
#include <QTemporaryDir>
#include <QTranslator>
#include <QtTest>

#include <csignal>

using namespace jobfirst;

namespace {

/// The console in zh_CN for as long as it lives (the English words again after).
class InChinese final
{
public:
    InChinese() : m_loaded(m_translator.load(QStringLiteral(":/i18n/jobfirst_zh_CN.qm")))
    {
        if (m_loaded)
            QCoreApplication::installTranslator(&m_translator);
    }
    ~InChinese() { QCoreApplication::removeTranslator(&m_translator); }
    Q_DISABLE_COPY_MOVE(InChinese)
    bool loaded() const { return m_loaded; }

private:
    QTranslator m_translator;
    bool m_loaded;
};

/// How many daemons the snapshots of one engine count, as they come.
struct ClusterCount
{
    int snapshots = 0;
    int liveDaemons = 0;
    bool known = false;
    bool storeAway = false;
    /// Some snapshot counted this engine alone as known (set until cleared).
    bool countedAlone = false;

    void read(const EngineSnapshot &s)
    {
        ++snapshots;
        liveDaemons = s.sync.liveDaemons;
        known = s.sync.liveDaemonsKnown;
        storeAway = s.sync.storeUnavailable();
        countedAlone = countedAlone || (known && !storeAway && liveDaemons == 1);
    }
};

/// SIGCONT to a process when the test ends, passed or not.
class ContinueAtEnd final
{
public:
    explicit ContinueAtEnd(qint64 pid) : m_pid(pid) {}
    ~ContinueAtEnd() { ::kill(pid_t(m_pid), SIGCONT); }
    Q_DISABLE_COPY_MOVE(ContinueAtEnd)

private:
    qint64 m_pid;
};

} // namespace

class TestDaemonsPage final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    /// Connects `session` to its daemon: "" once connected, else why not.
    static QString connectionError(RemoteEngineSession &session)
    {
        const Status connected = awaitFuture(session.connectToEngine());
        return connected ? QString() : connected.error().message;
    }

    /// Starts `session` as an embedded engine on `db` in the test's folder, health checks off.
    Status startEmbedded(LocalEngineSession &session, const QString &db, const QString &config = {})
    {
        EngineOptions o;
        o.dbPath = m_dir.filePath(db);
        o.configPath = config;
        o.healthChecks = false;
        return awaitFuture(session.start(o));
    }

    static QByteArray read(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
    }

    /// The row of the daemon with process id `pid` (-1 when not shown).
    static int rowOf(ui::DaemonsPage &page, qint64 pid)
    {
        const auto &rows = page.model()->rows();
        for (int r = 0; r < rows.size(); ++r)
            if (rows.at(r).id.section(u':', 1, 1).toLongLong() == pid)
                return r;
        return -1;
    }

    static QString shown(ui::DaemonsPage &page, int row, int column)
    {
        return page.model()->index(row, column).data().toString();
    }

    /// A PostgreSQL of the test's own, a target that answers after 20 ms, and two daemons
    /// delivering to it (4 sync workers each), each with an operator token.
    struct TwoDaemons
    {
        PostgresServer pg;
        NodeSimProcess target;
        DaemonProcess daemons[2];
        QByteArray tokens[2];
    };

    /// Starts `two`; its target, files and token names are named after `name`. False when a
    /// part did not start.
    bool startTwoDaemons(TwoDaemons &two, const QString &name)
    {
        if (!two.pg.start(false) ||
            !two.target.start(name, 0, {QStringLiteral("--latency"), QStringLiteral("20")}))
            return false;
        const QString config = m_dir.filePath(name + QStringLiteral(".json"));
        ClusterConfig c = simTargetConfig(two.target);
        c.syncWorkers = 4;
        if (!c.saveToFile(config).ok())
            return false;
        for (int i = 0; i < 2; ++i) {
            two.tokens[i] =
                startWithToken(two.daemons[i], two.pg.url(), config,
                               m_dir.filePath(QStringLiteral("%1%2.db").arg(name).arg(i)),
                               QStringLiteral("%1%2").arg(name).arg(i), QStringLiteral("operator"));
            if (two.tokens[i].isEmpty())
                return false;
        }
        return true;
    }

    /// Publishes `count` user.created events through the second of `two`, only of users in
    /// `parts` (users prefix0, prefix1, ...; event ids prefix-0, ...): its HTTP status.
    static int publishUsersIn(const TwoDaemons &two, const QList<int> &parts, int count,
                              const QString &prefix)
    {
        QJsonArray events;
        for (int i = 0; events.size() < count; ++i) {
            const QString user = prefix + QString::number(i);
            if (parts.contains(PostgresSchema::partitionOf(user, 0)))
                events.append(
                    QJsonObject{{QStringLiteral("id"), QStringLiteral("%1-%2").arg(prefix).arg(i)},
                                {QStringLiteral("type"), QStringLiteral("user.created")},
                                {QStringLiteral("user_id"), user}});
        }
        const ApiReply published = apiCall(
            two.daemons[1].url(), "POST", QStringLiteral("/api/v1/sync/events"), two.tokens[1],
            QJsonDocument(QJsonObject{{QStringLiteral("events"), events}})
                .toJson(QJsonDocument::Compact));
        if (published.status != 202)
            qWarning("publishing failed: %s", published.body.constData());
        return published.status;
    }

private slots:
    // The console installs its translators before any page (main()); the English one holds
    // the plurals ("1 engine"). It lives as long as the application, so without this the
    // tests before the first window switching language would read "1 engine(s)" and the ones
    // after it "1 engine".
    void initTestCase() { ui::ConsoleLanguage::install(QStringLiteral("en")); }

    void followsADaemonThatIsKilled()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("c.json"));
        QVERIFY(writeNoTargetConfig(config));
        DaemonProcess daemons[2];
        QByteArray viewer;
        for (int i = 0; i < 2; ++i) {
            const QString local = m_dir.filePath(QStringLiteral("d%1.db").arg(i));
            if (i == 0)
                viewer = read(makeToken(local, m_dir.path(), QStringLiteral("watcher"),
                                        QStringLiteral("viewer")));
            QVERIFY(daemons[i].start(pg.url(), config, {QStringLiteral("--local-db"), local}));
        }
        QVERIFY(!viewer.isEmpty());
        RemoteEngineSession session(RemoteOptions{QUrl(daemons[0].url()), viewer, {}});
        QCOMPARE(connectionError(session), QString());
        ui::DaemonsPage page(&session);
        page.resize(900, 300);
        page.show(); // the page reads the daemons once a second while it is shown
        auto *table = page.findChild<QTableView *>(QStringLiteral("daemonsTable"));
        QVERIFY(table);
        QCOMPARE(table->model(), page.model());
        // Both daemons, with the partitions shared between them (half each once both have
        // claimed), the one the console is attached to marked, each with its admin API.
        QTRY_VERIFY_WITH_TIMEOUT(
            rowOf(page, daemons[0].pid()) >= 0 && rowOf(page, daemons[1].pid()) >= 0, 15000);
        const auto partitions = [&](int i) {
            const int row = rowOf(page, daemons[i].pid());
            return row < 0 ? -1 : page.model()->index(row, 2).data(Qt::UserRole).toInt();
        };
        QTRY_VERIFY_WITH_TIMEOUT(partitions(0) == PostgresSchema::Partitions / 2 &&
                                     partitions(1) == PostgresSchema::Partitions / 2,
                                 20000);
        const int self = rowOf(page, daemons[0].pid());
        QVERIFY2(shown(page, self, 0).contains(QStringLiteral("this one")),
                 qPrintable(shown(page, self, 0)));
        QCOMPARE(shown(page, self, 5), daemons[0].url());
        QCOMPARE(shown(page, rowOf(page, daemons[1].pid()), 5), daemons[1].url());
        QVERIFY2(!shown(page, rowOf(page, daemons[1].pid()), 1).contains(QStringLiteral("late")),
                 qPrintable(shown(page, rowOf(page, daemons[1].pid()), 1)));
        auto *summary = page.findChild<QLabel *>(QStringLiteral("daemonsSummary"));
        QVERIFY(summary);
        QCOMPARE(summary->text(), QStringLiteral("2 engines on this store."));
        // Ids and partitions read whole (the partitions listed at length in a tooltip).
        QTRY_VERIFY2(cutCells(table).isEmpty(), qPrintable(cutCells(table).join(u'\n')));

        // SIGKILL the other one: no clean stop, so its row stays and its heartbeat ages; the
        // survivor takes its partitions over (its process is gone) and the screen follows.
        const qint64 killed = daemons[1].pid();
        daemons[1].kill();
        QTRY_VERIFY_WITH_TIMEOUT(
            rowOf(page, killed) >= 0 &&
                page.model()->index(rowOf(page, killed), 1).data(Qt::UserRole).toLongLong() >
                    ui::DaemonsPage::LateMs,
            20000);
        // In words, never like a live one.
        QVERIFY2(shown(page, rowOf(page, killed), 1).contains(QStringLiteral("not heard from for")),
                 qPrintable(shown(page, rowOf(page, killed), 1)));
        QVERIFY(page.model()->index(rowOf(page, killed), 1).data(Qt::BackgroundRole).isValid());
        // Its rate is the last it wrote, not a current one: unknown, not shown as live.
        QCOMPARE(shown(page, rowOf(page, killed), 4), QStringLiteral("—"));
        QVERIFY(!page.model()
                     ->index(rowOf(page, killed), 4)
                     .data(Qt::ToolTipRole)
                     .toString()
                     .isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(partitions(0) == PostgresSchema::Partitions, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(shown(page, rowOf(page, killed), 2), QStringLiteral("none"),
                                  10000);
        // Past its lease: gone, said so.
        QTRY_COMPARE_WITH_TIMEOUT(
            summary->text(),
            QStringLiteral("2 engines on this store; not heard from: 0 late, 1 gone."), 20000);
        QVERIFY2(shown(page, rowOf(page, killed), 1)
                     .startsWith(QStringLiteral("gone: not heard "
                                                "from for ")),
                 qPrintable(shown(page, rowOf(page, killed), 1)));
        QTRY_VERIFY2(cutCells(table).isEmpty(), qPrintable(cutCells(table).join(u'\n')));
        // A viewer cannot forget it: the action stays disabled, saying why.
        table->selectRow(rowOf(page, killed));
        auto *forget = page.findChild<QPushButton *>(QStringLiteral("forgetDaemon"));
        QVERIFY(forget);
        QVERIFY(!forget->isEnabled());
        QVERIFY2(forget->toolTip().contains(QStringLiteral("admin")),
                 qPrintable(forget->toolTip()));
        QCOMPARE(daemons[0].terminate(), 0);
    }

    void anAdminForgetsAGoneDaemon()
    {
        // Two daemons, the console attached to the first as an admin, in zh_CN; the second is
        // SIGKILLed. Forget is offered only once it is gone (a fresher one may be alive and
        // would list itself again), asks first naming it, and then it is listed no more.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("forget.json"));
        QVERIFY(writeNoTargetConfig(config));
        DaemonProcess daemons[2];
        const QByteArray admin = startWithToken(
            daemons[0], pg.url(), config, m_dir.filePath(QStringLiteral("forget0.db")),
            QStringLiteral("forgetter"), QStringLiteral("admin"));
        QVERIFY(!admin.isEmpty());
        QVERIFY(daemons[1].start(
            pg.url(), config,
            {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("forget1.db"))}));
        RemoteEngineSession session(RemoteOptions{QUrl(daemons[0].url()), admin, {}});
        QCOMPARE(connectionError(session), QString());
        const InChinese chinese;
        QVERIFY(chinese.loaded());
        ui::DaemonsPage page(&session);
        page.resize(1100, 300);
        page.show();
        auto *forget = page.findChild<QPushButton *>(QStringLiteral("forgetDaemon"));
        QVERIFY(forget);
        const qint64 killed = daemons[1].pid();
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, killed) >= 0 && rowOf(page, daemons[0].pid()) >= 0,
                                 15000);
        const QString id = page.model()->row(rowOf(page, killed)).id;
        page.table()->selectRow(rowOf(page, killed));
        QVERIFY(!forget->isEnabled()); // live
        daemons[1].kill();
        QTRY_VERIFY_WITH_TIMEOUT(page.model()->row(rowOf(page, killed)).late(), 15000);
        if (page.model()->row(rowOf(page, killed)).state() == DaemonState::Late)
            QVERIFY(!forget->isEnabled()); // late, not yet gone: it may come back
        QTRY_VERIFY_WITH_TIMEOUT(
            page.model()->row(rowOf(page, killed)).state() == DaemonState::Gone, 20000);
        // In Chinese words, not the English ones, and not like a live one.
        const QString heartbeat = shown(page, rowOf(page, killed), 1);
        QVERIFY2(heartbeat.startsWith(QStringLiteral("已失联")), qPrintable(heartbeat));
        QTRY_VERIFY(forget->isEnabled());
        // Cancelled: nothing changes.
        forget->click();
        auto *box = page.findChild<QMessageBox *>(QStringLiteral("confirmForget"));
        QVERIFY(box);
        QVERIFY2(box->text().contains(id), qPrintable(box->text()));
        box->reject();
        QTRY_VERIFY(!page.findChild<QMessageBox *>(QStringLiteral("confirmForget")));
        page.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, killed) >= 0, 5000);
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM daemon_heartbeats")),
                 QStringLiteral("2"));
        // Confirmed: its row is removed and the page lists it no more.
        page.table()->selectRow(rowOf(page, killed));
        QTRY_VERIFY(forget->isEnabled());
        forget->click();
        box = page.findChild<QMessageBox *>(QStringLiteral("confirmForget"));
        QVERIFY(box);
        box->accept();
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, killed) < 0, 10000);
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM daemon_heartbeats")),
                 QStringLiteral("1"));
        auto *summary = page.findChild<QLabel *>(QStringLiteral("daemonsSummary"));
        QVERIFY2(summary->text().contains(id), qPrintable(summary->text()));
        QVERIFY(!forget->isEnabled());
        // Said while the page is looked at; left and opened again (minutes later, as an
        // operator does), it is no longer news and not said again.
        page.hide();
        page.show();
        QVERIFY2(!summary->text().contains(id), qPrintable(summary->text()));
        QCOMPARE(daemons[0].terminate(), 0);
    }

    void theForgetQuestionFollowsTime()
    {
        // The second daemon (a 3 s lease) is paused with SIGSTOP until it is gone; an admin
        // asks to forget it. While the question is open its age keeps growing (it stood still
        // at the age of the click); the daemon is let go on (SIGCONT), beats again, and the
        // question says so with Yes disabled: a live daemon is not forgotten.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("ask.json"));
        QVERIFY(writeNoTargetConfig(config));
        DaemonProcess daemons[2];
        const QByteArray admin =
            startWithToken(daemons[0], pg.url(), config, m_dir.filePath(QStringLiteral("ask0.db")),
                           QStringLiteral("asker"), QStringLiteral("admin"));
        QVERIFY(!admin.isEmpty());
        QVERIFY(daemons[1].start(pg.url(), config,
                                 {QStringLiteral("--local-db"),
                                  m_dir.filePath(QStringLiteral("ask1.db")),
                                  QStringLiteral("--lease"), QStringLiteral("3")}));
        RemoteEngineSession session(RemoteOptions{QUrl(daemons[0].url()), admin, {}});
        QCOMPARE(connectionError(session), QString());
        ui::DaemonsPage page(&session);
        page.resize(1100, 300);
        page.show();
        const qint64 paused = daemons[1].pid();
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, paused) >= 0 && rowOf(page, daemons[0].pid()) >= 0,
                                 15000);
        const QString id = page.model()->row(rowOf(page, paused)).id;
        QCOMPARE(::kill(pid_t(paused), SIGSTOP), 0);
        QTRY_VERIFY_WITH_TIMEOUT(
            page.model()->row(rowOf(page, paused)).state() == DaemonState::Gone, 30000);
        page.table()->selectRow(rowOf(page, paused));
        auto *forget = page.findChild<QPushButton *>(QStringLiteral("forgetDaemon"));
        QTRY_VERIFY(forget->isEnabled());
        forget->click();
        auto *box = page.findChild<QMessageBox *>(QStringLiteral("confirmForget"));
        QVERIFY(box);
        const QString asked = box->text();
        QVERIFY2(asked.contains(id), qPrintable(asked));
        QVERIFY(box->button(QMessageBox::Yes)->isEnabled());
        // Its age follows time while the question is open.
        const QString age = ui::ageText(page.model()->row(rowOf(page, paused)).heartbeatAgeMs);
        QVERIFY2(asked.contains(age), qPrintable(asked + u'|' + age));
        QTRY_VERIFY_WITH_TIMEOUT(box->text() != asked, 5000);
        const QString later = ui::ageText(page.model()->row(rowOf(page, paused)).heartbeatAgeMs);
        QVERIFY2(later != age && box->text().contains(later), qPrintable(box->text()));
        QVERIFY(box->button(QMessageBox::Yes)->isEnabled());

        // It comes back: said so, Yes disabled, and a Yes pressed anyway forgets nothing.
        QCOMPARE(::kill(pid_t(paused), SIGCONT), 0);
        QTRY_VERIFY_WITH_TIMEOUT(box->text().contains(QStringLiteral("heard from again")), 15000);
        QVERIFY2(box->text().contains(id), qPrintable(box->text()));
        QVERIFY(!box->button(QMessageBox::Yes)->isEnabled());
        box->accept();
        auto *summary = page.findChild<QLabel *>(QStringLiteral("daemonsSummary"));
        QTRY_VERIFY2(summary->text().contains(QStringLiteral("not forgotten")),
                     qPrintable(summary->text()));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM daemon_heartbeats")),
                 QStringLiteral("2"));
        QVERIFY(rowOf(page, paused) >= 0);
        for (DaemonProcess &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }

    void eachDaemonsRateIsWhatItDelivers()
    {
        // Two daemons on one PostgreSQL, a target that answers after 20 ms. Events only of
        // users in the partitions of the daemon the console is not attached to: its rate goes
        // above 0 while it delivers them and back to 0 once they are all delivered; the other
        // one, which has nothing to deliver, shows 0 all along.
        TwoDaemons two;
        QVERIFY(startTwoDaemons(two, QStringLiteral("rate")));
        auto &daemons = two.daemons;
        RemoteEngineSession session(RemoteOptions{QUrl(daemons[0].url()), two.tokens[0], {}});
        QCOMPARE(connectionError(session), QString());
        // In zh_CN, whose "每秒" title leaves the rate's column narrow.
        const InChinese chinese;
        QVERIFY(chinese.loaded());
        ui::DaemonsPage page(&session);
        page.resize(1100, 300);
        page.show();
        auto *table = page.findChild<QTableView *>(QStringLiteral("daemonsTable"));
        QVERIFY(table);
        const auto row = [&](int i) { return rowOf(page, daemons[i].pid()); };
        const auto rate = [&](int i) {
            return row(i) < 0 ? -1.0 : page.model()->row(row(i)).deliveriesPerSecond;
        };
        QTRY_VERIFY_WITH_TIMEOUT(
            row(0) >= 0 && row(1) >= 0 &&
                page.model()->row(row(0)).partitions.size() == PostgresSchema::Partitions / 2 &&
                page.model()->row(row(1)).partitions.size() == PostgresSchema::Partitions / 2,
            20000);
        QCOMPARE(rate(0), 0.0);
        QCOMPARE(rate(1), 0.0);
        QCOMPARE(shown(page, row(1), 4), QStringLiteral("0"));

        // 1,000 events of the second daemon's users: 4 workers at 20 ms each take ~5 s.
        QCOMPARE(
            publishUsersIn(two, page.model()->row(row(1)).partitions, 1000, QStringLiteral("r")),
            202);
        QTRY_VERIFY_WITH_TIMEOUT(rate(1) > 0, 20000);
        QVERIFY2(shown(page, row(1), 4).toInt() > 0, qPrintable(shown(page, row(1), 4)));
        // Its digits read whole (a rate of 116 read "1…" while the column kept the width of
        // "0": its digits did not count as a change of the words' width).
        QTRY_VERIFY2(cutCells(table).isEmpty(), qPrintable(cutCells(table).join(u'\n')));
        QCOMPARE(rate(0), 0.0); // nothing of its partitions to deliver
        QCOMPARE(shown(page, row(0), 4), QStringLiteral("0"));

        // All delivered: the rate falls back to 0 (not the last busy second's, kept).
        QTRY_VERIFY_WITH_TIMEOUT(row(1) >= 0 && page.model()->row(row(1)).delivered >= 1000, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(rate(1), 0.0, 10000);
        QCOMPARE(shown(page, row(1), 4), QStringLiteral("0"));
        QCOMPARE(page.model()->row(row(0)).delivered, 0);
        QCOMPARE(rate(0), 0.0);
        for (DaemonProcess &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }

    void aKilledDaemonsRateIsNotKnownLongBeforeItIsLate()
    {
        // The second daemon delivers, then is SIGKILLed while busy. Its row keeps the rate of
        // its last heartbeat in the store; once the heartbeat is older than a live daemon's
        // (DaemonStatus::RateFreshMs) the page says the rate is not known, and why, while the
        // row is not yet late (before, the busy rate stood until then, 5 s).
        TwoDaemons two;
        QVERIFY(startTwoDaemons(two, QStringLiteral("silent")));
        auto &daemons = two.daemons;
        RemoteEngineSession session(RemoteOptions{QUrl(daemons[0].url()), two.tokens[0], {}});
        QCOMPARE(connectionError(session), QString());
        const InChinese chinese; // the words said in zh_CN too
        QVERIFY(chinese.loaded());
        ui::DaemonsPage page(&session);
        page.resize(1100, 300);
        page.show();
        const qint64 killed = daemons[1].pid();
        const auto row = [&] { return page.model()->row(rowOf(page, killed)); };
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, killed) >= 0 && rowOf(page, daemons[0].pid()) >= 0 &&
                                     row().partitions.size() == PostgresSchema::Partitions / 2,
                                 20000);
        // 4,000 events of its users: 4 workers at 20 ms each take ~20 s.
        QCOMPARE(publishUsersIn(two, row().partitions, 4000, QStringLiteral("s")), 202);
        QTRY_VERIFY_WITH_TIMEOUT(
            rowOf(page, killed) >= 0 && shown(page, rowOf(page, killed), 4).toInt() > 0, 20000);
        daemons[1].kill();
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, killed) >= 0 &&
                                     shown(page, rowOf(page, killed), 4) == QStringLiteral("—"),
                                 20000);
        // Said as soon as its heartbeat is older than a live one's, not when the row goes late.
        QVERIFY2(!row().late(), qPrintable(QString::number(row().heartbeatAgeMs)));
        const QString why =
            page.model()->index(rowOf(page, killed), 4).data(Qt::ToolTipRole).toString();
        QVERIFY2(why.contains(QStringLiteral("未收到")), qPrintable(why));
        // The daemon still running keeps its own, current rate.
        QVERIFY(shown(page, rowOf(page, daemons[0].pid()), 4) != QStringLiteral("—"));
        QCOMPARE(daemons[0].terminate(), 0);
    }

    void overviewCountsTheClustersDeliveries()
    {
        // Two daemons on one PostgreSQL, the console attached to the first, events only of
        // users in the second's partitions. The Overview's "delivered / s" is the cluster's
        // rate, named as all daemons', with the first one's own (0) beside it; the per-target
        // chart, counted by the first alone, says so. The second stops: one daemon again,
        // shown as one (its rate alone, as with one daemon from the start).
        TwoDaemons two;
        QVERIFY(startTwoDaemons(two, QStringLiteral("overall")));
        auto &daemons = two.daemons;
        const auto heldBy = [&](int i) {
            return two.pg
                .psql(QStringLiteral("SELECT string_agg(CAST(part AS TEXT), ',') FROM "
                                     "partition_leases WHERE holder LIKE '%:%1:%'")
                          .arg(daemons[i].pid()))
                .split(u',', Qt::SkipEmptyParts);
        };
        QTRY_VERIFY_WITH_TIMEOUT(heldBy(0).size() == PostgresSchema::Partitions / 2 &&
                                     heldBy(1).size() == PostgresSchema::Partitions / 2,
                                 20000);
        RemoteEngineSession session(RemoteOptions{QUrl(daemons[0].url()), two.tokens[0], {}});
        ui::OverviewPage page(&session);
        connect(&session, &EngineSession::snapshot, &page, &ui::OverviewPage::applySnapshot);
        QCOMPARE(connectionError(session), QString());
        page.resize(1100, 700);
        page.show();
        ui::LiveChart *queue = page.charts().at(1);
        ui::LiveChart *perTarget = page.charts().at(2);
        const QString self = QStringLiteral(":%1:").arg(daemons[0].pid());
        QTRY_COMPARE_WITH_TIMEOUT(queue->seriesName(QStringLiteral("delivered")),
                                  QStringLiteral("delivered / s (all 2 daemons)"), 15000);
        QCOMPARE(queue->seriesName(QStringLiteral("delivered-here")),
                 QStringLiteral("delivered / s by this daemon"));
        const QString title = perTarget->chart()->title();
        QVERIFY2(
            title.startsWith(QStringLiteral("Deliveries per second per target, this daemon: ")) &&
                title.contains(self),
            qPrintable(title));

        // 4,000 events of the second daemon's users: 4 workers at 20 ms each take ~20 s.
        QList<int> parts;
        for (const QString &part : heldBy(1))
            parts << part.toInt();
        QCOMPARE(publishUsersIn(two, parts, 4000, QStringLiteral("o")), 202);
        // The cluster delivers (the second daemon); this one, with nothing of its own, does not.
        QTRY_VERIFY_WITH_TIMEOUT(queue->lastValue(QStringLiteral("delivered")) > 0, 20000);
        QCOMPARE(queue->lastValue(QStringLiteral("delivered-here")), 0.0);

        // The second stops cleanly, its partitions pass to the first, which delivers the rest.
        QCOMPARE(daemons[1].terminate(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(queue->seriesName(QStringLiteral("delivered")),
                                  QStringLiteral("delivered / s"), 20000);
        QCOMPARE(queue->seriesName(QStringLiteral("delivered-here")), QString());
        QCOMPARE(perTarget->chart()->title(), QStringLiteral("Deliveries per second per target"));
        QTRY_VERIFY_WITH_TIMEOUT(queue->lastValue(QStringLiteral("delivered")) > 0, 20000);
        QCOMPARE(daemons[0].terminate(), 0);
    }

    void theOverviewShowsOnlyTheAttachedDaemonsOwnDeliveries()
    {
        // Two daemons on one PostgreSQL, events only of users in the first's partitions. The
        // Overview reads the first (its per-target chart, "this daemon: A", climbs), then the
        // console is attached to the second: the chart, now "this daemon: B", holds only B's
        // points (before, A's history stood under B's id, and the first rate counted from A's
        // totals to B's was negative).
        TwoDaemons two;
        QVERIFY(startTwoDaemons(two, QStringLiteral("reattach")));
        auto &daemons = two.daemons;
        const auto heldBy = [&](int i) {
            QList<int> parts;
            for (const QString &part :
                 two.pg
                     .psql(QStringLiteral("SELECT string_agg(CAST(part AS TEXT), ',') FROM "
                                          "partition_leases WHERE holder LIKE '%:%1:%'")
                               .arg(daemons[i].pid()))
                     .split(u',', Qt::SkipEmptyParts))
                parts << part.toInt();
            return parts;
        };
        QTRY_VERIFY_WITH_TIMEOUT(heldBy(0).size() == PostgresSchema::Partitions / 2 &&
                                     heldBy(1).size() == PostgresSchema::Partitions / 2,
                                 20000);
        RemoteEngineSession a(RemoteOptions{QUrl(daemons[0].url()), two.tokens[0], {}});
        RemoteEngineSession b(RemoteOptions{QUrl(daemons[1].url()), two.tokens[1], {}});
        ui::OverviewPage page(&a);
        QString target; // the one target's name, as the snapshots say it
        const auto show = [&](const EngineSnapshot &s) {
            for (const TargetStatus &t : s.sync.targets)
                if (!t.name.startsWith(QLatin1String("node:")))
                    target = t.name;
            page.applySnapshot(s);
        };
        QMetaObject::Connection attached = connect(&a, &EngineSession::snapshot, &page, show);
        QCOMPARE(connectionError(a), QString());
        page.resize(1100, 700);
        page.show();
        ui::LiveChart *perTarget = page.charts().at(2);
        ui::LiveChart *queue = page.charts().at(1);
        const auto titleNames = [&](int i) {
            return perTarget->chart()->title().contains(
                QStringLiteral(":%1:").arg(daemons[i].pid()));
        };
        QTRY_VERIFY_WITH_TIMEOUT(titleNames(0), 15000);
        // 4,000 events of A's users: 4 workers at 20 ms each take ~20 s.
        QCOMPARE(publishUsersIn(two, heldBy(0), 4000, QStringLiteral("a")), 202);
        QTRY_VERIFY_WITH_TIMEOUT(!target.isEmpty() && perTarget->lastValue(target) > 0 &&
                                     perTarget->pointCount(target) >= 5,
                                 30000);
        QVERIFY(queue->lastValue(QStringLiteral("delivered-here")) > 0);

        // Attached to B (A still delivers): only B's own deliveries, none, from now on.
        disconnect(attached);
        QSignalSpy fromB(&b, &EngineSession::snapshot);
        attached = connect(&b, &EngineSession::snapshot, &page, show);
        QCOMPARE(connectionError(b), QString());
        QTRY_VERIFY_WITH_TIMEOUT(fromB.count() >= 4, 15000);
        QVERIFY2(titleNames(1) && !titleNames(0), qPrintable(perTarget->chart()->title()));
        QVERIFY2(perTarget->pointCount(target) < fromB.count(),
                 qPrintable(QString::number(perTarget->pointCount(target))));
        QCOMPARE(perTarget->lastValue(target), 0.0);
        QVERIFY2(queue->pointCount(QStringLiteral("delivered-here")) <= fromB.count(),
                 qPrintable(QString::number(queue->pointCount(QStringLiteral("delivered-here")))));
        QCOMPARE(queue->lastValue(QStringLiteral("delivered-here")), 0.0);
        for (DaemonProcess &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }

    void theOverviewKeepsThisDaemonsRateThroughAStoreOutage()
    {
        // Two daemons on one PostgreSQL, the Overview fed by the first. PostgreSQL stops: the
        // engine can no longer count the daemons (it counts itself alone), which the page read
        // as "one daemon now": "delivered / s by this daemon" and its history were dropped and
        // the cluster's line went on as this daemon's own rate. Through the outage the series
        // stays and grows, and the cluster's rate has a gap.
        // The second daemon is paused through the restart (alive, not reconnected yet): when
        // the first one's view is back, the second one's heartbeat is from before the outage.
        // It is awaited, not gone: the count stays not known ("all 2 daemons" stands, the gap
        // goes on) until it beats again (before, the Overview said one daemon at once).
        TwoDaemons two;
        QVERIFY(startTwoDaemons(two, QStringLiteral("outage")));
        RemoteEngineSession a(RemoteOptions{QUrl(two.daemons[0].url()), two.tokens[0], {}});
        ui::OverviewPage page(&a);
        ClusterCount count;
        connect(&a, &EngineSession::snapshot, &page, [&](const EngineSnapshot &s) {
            count.read(s);
            page.applySnapshot(s);
        });
        QCOMPARE(connectionError(a), QString());
        page.resize(1100, 700);
        page.show();
        ui::LiveChart *queue = page.charts().at(1);
        const QString here = QStringLiteral("delivered-here");
        const QString cluster = QStringLiteral("delivered");
        const QString allTwo = QStringLiteral("delivered / s (all 2 daemons)");
        QTRY_VERIFY_WITH_TIMEOUT(count.liveDaemons == 2 && queue->pointCount(here) >= 3, 20000);

        QVERIFY(two.pg.stop());
        QTRY_VERIFY_WITH_TIMEOUT(count.storeAway, 20000);
        const int before = queue->pointCount(here);
        const int clusterPoints = queue->pointCount(cluster);
        QVERIFY2(before >= 3, qPrintable(QString::number(before)));
        QTRY_VERIFY_WITH_TIMEOUT(queue->pointCount(here) >= before + 2, 10000);
        QVERIFY(count.storeAway);
        QCOMPARE(queue->pointCount(cluster), clusterPoints);

        const qint64 paused = two.daemons[1].pid();
        QCOMPARE(::kill(pid_t(paused), SIGSTOP), 0);
        const ContinueAtEnd continued(paused);
        QVERIFY(two.pg.resume());
        // The first one's view is back: it lists the daemons again.
        QTRY_COMPARE_WITH_TIMEOUT(
            apiCall(two.daemons[0].url(), "GET", QStringLiteral("/api/v1/daemons"), two.tokens[0])
                .status,
            200, 30000);
        count.countedAlone = false;
        const int seen = count.snapshots;
        QTRY_VERIFY_WITH_TIMEOUT(count.snapshots >= seen + 3, 15000);
        QVERIFY2(!count.countedAlone, "the paused daemon was counted as gone");
        QVERIFY(!count.known);
        QCOMPARE(queue->seriesName(cluster), allTwo);
        QCOMPARE(queue->pointCount(cluster), clusterPoints);

        QCOMPARE(::kill(pid_t(paused), SIGCONT), 0);
        QTRY_VERIFY_WITH_TIMEOUT(count.known && !count.storeAway && count.liveDaemons == 2, 30000);
        QVERIFY2(!count.countedAlone, "the paused daemon was counted as gone");
        QTRY_VERIFY_WITH_TIMEOUT(queue->pointCount(cluster) > clusterPoints, 10000);
        QCOMPARE(queue->seriesName(cluster), allTwo);
        for (DaemonProcess &d : two.daemons)
            QCOMPARE(d.terminate(), 0);
    }

    /// A daemon whose store takes connections and answers nothing (PostgreSQL stopped with
    /// SIGSTOP) makes no more snapshots, but its stream stays open: the console showed its
    /// last picture as live (truth28 found the Overview's lines flat for about 25 s). The
    /// window now says nothing new comes, and is live again once the store answers.
    void aDaemonStuckOnItsStoreIsNotShownAsLive()
    {
        TwoDaemons two;
        QVERIFY(startTwoDaemons(two, QStringLiteral("stuck")));
        RemoteEngineSession a(RemoteOptions{QUrl(two.daemons[0].url()), two.tokens[0], {}});
        QCOMPARE(connectionError(a), QString());
        ui::MainWindow window(&a);
        window.switchLanguage(QStringLiteral("en"));
        window.engineReady();
        window.show();
        auto *banner = window.findChild<QLabel *>(QStringLiteral("connectionBanner"));
        auto *nodes = window.findChild<QLabel *>(QStringLiteral("nodesLabel"));
        QVERIFY(banner && nodes);
        QTRY_VERIFY_WITH_TIMEOUT(nodes->text().startsWith(QStringLiteral("Nodes: ")), 20000);
        QVERIFY(window.isLive() && !banner->isVisible());

        const ThawAtEnd thawed(two.pg);
        QVERIFY(two.pg.freeze());
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 20000);
        QVERIFY2(banner->text().contains(QStringLiteral("sent nothing new since")),
                 qPrintable(banner->text()));
        QVERIFY(!window.isLive());
        QCOMPARE(nodes->text(), QStringLiteral("—"));
        for (ui::LiveChart *chart : window.findChildren<ui::LiveChart *>())
            QVERIFY(chart->stale());

        two.pg.thaw();
        QTRY_VERIFY_WITH_TIMEOUT(window.isLive() && !banner->isVisible(), 40000);
        QTRY_VERIFY_WITH_TIMEOUT(nodes->text().startsWith(QStringLiteral("Nodes: ")), 10000);
        for (ui::LiveChart *chart : window.findChildren<ui::LiveChart *>())
            QVERIFY(!chart->stale());
        for (DaemonProcess &d : two.daemons)
            QCOMPARE(d.terminate(), 0);
    }

    void eachDaemonsOwnLeaseIsShownWhicheverIsAsked()
    {
        // Two daemons on one PostgreSQL, --lease 5 and --lease 20. Each one's lease is its own,
        // read from its heartbeat row: the API and jobfirstctl of either daemon, and the page
        // attached to the second, show 5 s and 20 s (each daemon knew only its own before).
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("leases.json"));
        QVERIFY(writeNoTargetConfig(config));
        DaemonProcess daemons[2];
        QString tokenFiles[2];
        const int leases[2] = {5, 20};
        for (int i = 0; i < 2; ++i) {
            const QString local = m_dir.filePath(QStringLiteral("leases%1.db").arg(i));
            tokenFiles[i] = makeToken(local, m_dir.path(), QStringLiteral("leases%1").arg(i),
                                      QStringLiteral("viewer"));
            QVERIFY(!tokenFiles[i].isEmpty());
            QVERIFY(daemons[i].start(pg.url(), config,
                                     {QStringLiteral("--local-db"), local,
                                      QStringLiteral("--lease"), QString::number(leases[i])}));
        }
        const QHash<qint64, int> expected{{daemons[0].pid(), 5}, {daemons[1].pid(), 20}};
        const auto leasesSeenBy = [&](int asked) {
            QHash<qint64, int> byPid;
            const ApiReply r =
                apiCall(daemons[asked].url(), "GET", QStringLiteral("/api/v1/daemons"),
                        readToken(tokenFiles[asked]));
            for (const QJsonValue &v : r.json().toArray())
                byPid.insert(v[QStringLiteral("id")].toString().section(u':', 1, 1).toLongLong(),
                             v[QStringLiteral("lease_seconds")].toInt(-1));
            return byPid;
        };
        for (int asked = 0; asked < 2; ++asked)
            QTRY_COMPARE_WITH_TIMEOUT(leasesSeenBy(asked), expected, 15000);
        // jobfirstctl daemons through either: LEASE ("5 s") before the admin API, last.
        for (int asked = 0; asked < 2; ++asked) {
            const CtlRun run = runCtl({QStringLiteral("--server"), daemons[asked].url(),
                                       QStringLiteral("--token-file"), tokenFiles[asked],
                                       QStringLiteral("daemons")});
            QVERIFY2(run.code == 0, run.err.constData());
            for (int i = 0; i < 2; ++i) {
                const QString prefix =
                    QStringLiteral("%1:%2:").arg(QSysInfo::machineHostName()).arg(daemons[i].pid());
                QStringList columns;
                for (const QString &l : QString::fromUtf8(run.out).split(u'\n'))
                    if (l.startsWith(prefix))
                        columns = l.split(u' ', Qt::SkipEmptyParts);
                QVERIFY2(columns.size() > 3, run.out.constData());
                QCOMPARE(columns.mid(columns.size() - 3, 2),
                         (QStringList{QString::number(leases[i]), QStringLiteral("s")}));
            }
        }
        // The page, attached to the second: the first's lease in its heartbeat's tooltip too.
        RemoteEngineSession session(
            RemoteOptions{QUrl(daemons[1].url()), readToken(tokenFiles[1]), {}});
        QCOMPARE(connectionError(session), QString());
        ui::DaemonsPage page(&session);
        page.show();
        QTRY_VERIFY_WITH_TIMEOUT(
            rowOf(page, daemons[0].pid()) >= 0 && rowOf(page, daemons[1].pid()) >= 0, 15000);
        for (int i = 0; i < 2; ++i) {
            const QString tip = page.model()
                                    ->index(rowOf(page, daemons[i].pid()), 1)
                                    .data(Qt::ToolTipRole)
                                    .toString();
            QVERIFY2(tip.startsWith(QStringLiteral("Its lease: %1 s.").arg(leases[i])),
                     qPrintable(tip));
        }
        for (DaemonProcess &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }

    void saysSoWhenTheDaemonsCannotBeRead()
    {
        // PostgreSQL stopped under a running daemon: its view of the daemons can no longer
        // be read. The page says so and shows no rows whose ages would look live; it follows
        // again once the server is back.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("e.json"));
        {
            QFile c(config);
            QVERIFY(c.open(QIODevice::WriteOnly));
            c.write(R"({"targets": []})");
        }
        const QString local = m_dir.filePath(QStringLiteral("e.db"));
        const QByteArray viewer = read(
            makeToken(local, m_dir.path(), QStringLiteral("looker"), QStringLiteral("viewer")));
        QVERIFY(!viewer.isEmpty());
        DaemonProcess daemon;
        QVERIFY(daemon.start(pg.url(), config, {QStringLiteral("--local-db"), local}));
        RemoteEngineSession session(RemoteOptions{QUrl(daemon.url()), viewer, {}});
        QCOMPARE(connectionError(session), QString());
        ui::DaemonsPage page(&session);
        page.show();
        auto *summary = page.findChild<QLabel *>(QStringLiteral("daemonsSummary"));
        QVERIFY(summary);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, daemon.pid()) >= 0, 15000);
        QCOMPARE(summary->text(), QStringLiteral("1 engine on this store."));

        QVERIFY(pg.stop());
        QTRY_VERIFY_WITH_TIMEOUT(
            summary->text().startsWith(QStringLiteral("Cannot read the daemons")), 20000);
        QCOMPARE(page.model()->rowCount(), 0);
        // And why: the store that cannot be reached, or how old the last reading is.
        QVERIFY2(summary->text().contains(QStringLiteral("cannot be reached")) ||
                     summary->text().contains(QStringLiteral("last read")),
                 qPrintable(summary->text()));

        QVERIFY(pg.resume());
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, daemon.pid()) >= 0, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(summary->text(), QStringLiteral("1 engine on this store."),
                                  10000);
        QCOMPARE(daemon.terminate(), 0);
    }

    void sqliteShowsTheOneEmbeddedEngine()
    {
        LocalEngineSession session(QStringLiteral("test"));
        const Status started = startEmbedded(session, QStringLiteral("embedded.db"));
        QVERIFY2(started.ok(), started ? "" : qPrintable(started.error().message));
        ui::DaemonsPage page(&session);
        page.resize(1100, 600); // the page's room in the console's 1280×820 window
        page.show();
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 1, 10000);
        const DaemonStatus &d = page.model()->row(0);
        QVERIFY(d.self);
        // "host:pid (this one)" whole, not cut to the default 100 px.
        auto *table = page.findChild<QTableView *>(QStringLiteral("daemonsTable"));
        QVERIFY(table);
        QTRY_VERIFY2(cutCells(table).isEmpty(), qPrintable(cutCells(table).join(u'\n')));
        QCOMPARE(d.id.section(u':', 1, 1).toLongLong(), QCoreApplication::applicationPid());
        QVERIFY(d.partitions.isEmpty());
        // It delivers everything (the store's one delivery lease): "all", as jobfirstctl says
        // of it, not "none" (a SQLite store has no partitions).
        QTRY_COMPARE_WITH_TIMEOUT(shown(page, 0, 2), QStringLiteral("all"), 10000);
        QVERIFY(page.model()->row(0).allPartitions);
        const InChinese chinese;
        QVERIFY(chinese.loaded());
        QTRY_COMPARE(shown(page, 0, 2), QStringLiteral("全部"));
        session.stop();
    }

    // "1,234 since 14:02" reads whole at the page's size once the count has grown past
    // the width it had when the columns were first fitted ("0 since 14:02").
    void deliveredCountReadsWholeAsItGrows()
    {
        const QString secret = QStringLiteral("daemons-page-signing-secret-0001");
        NodeSimProcess target;
        target.setSecret(secret);
        QVERIFY(target.start(QStringLiteral("t0")));
        const QString config = m_dir.filePath(QStringLiteral("grows.json"));
        {
            QFile c(config);
            QVERIFY(c.open(QIODevice::WriteOnly));
            c.write(
                QJsonDocument(
                    QJsonObject{
                        {QStringLiteral("targets"),
                         QJsonArray{QJsonObject{
                             {QStringLiteral("name"), QStringLiteral("t0")},
                             {QStringLiteral("url"), target.url() + QStringLiteral("/sync")},
                             {QStringLiteral("events"), QJsonArray{QStringLiteral("user.created")}},
                             {QStringLiteral("secret"), secret}}}}})
                    .toJson());
        }
        LocalEngineSession session(QStringLiteral("test"));
        const Status started = startEmbedded(session, QStringLiteral("grows.db"), config);
        QVERIFY2(started.ok(), started ? "" : qPrintable(started.error().message));
        ui::DaemonsPage page(&session);
        page.resize(1100, 600); // the page's room in the console's 1280×820 window
        page.show();
        auto *table = page.findChild<QTableView *>(QStringLiteral("daemonsTable"));
        QVERIFY(table);
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 1, 10000);
        QTRY_VERIFY2(cutCells(table).isEmpty(), qPrintable(cutCells(table).join(u'\n')));

        const QString users = m_dir.filePath(QStringLiteral("grows.jsonl"));
        {
            QFile f(users);
            QVERIFY(f.open(QIODevice::WriteOnly));
            for (int i = 0; i < 1234; ++i)
                f.write(QStringLiteral("{\"id\": \"g-%1\", \"email\": \"g%1@jobfirst.cn\"}\n")
                            .arg(i)
                            .toUtf8());
        }
        const Result<ImportProgress> imported = awaitFuture(session.importUsers(users, 500, {}));
        QVERIFY2(imported.ok(), imported ? "" : qPrintable(imported.error().message));
        QTRY_VERIFY_WITH_TIMEOUT(
            page.model()->rowCount() == 1 && page.model()->row(0).delivered >= 1000, 60000);
        QTRY_VERIFY2(cutCells(table).isEmpty(), qPrintable(cutCells(table).join(u'\n')));
        session.stop();
    }

    void sqliteShowsTheProcessHoldingTheDeliveryLease()
    {
        // jobfirstd delivers from the file; a console embedding an engine on the same file
        // stands by. The page shows both, the daemon by the store's delivery lease, with its
        // own lease time (--lease 30, not this engine's 10 s).
        const QString db = m_dir.filePath(QStringLiteral("leased.db"));
        DaemonProcess daemon;
        QVERIFY(daemon.start(db, m_dir.filePath(QStringLiteral("leased.json")),
                             {QStringLiteral("--lease"), QStringLiteral("30")}));
        LocalEngineSession session(QStringLiteral("test"));
        EngineOptions o;
        o.dbPath = db;
        o.healthChecks = false;
        const Status started = awaitFuture(session.start(o));
        QVERIFY2(started.ok(), started ? "" : qPrintable(started.error().message));
        ui::DaemonsPage page(&session);
        page.show();
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, daemon.pid()) >= 0, 20000);
        QCOMPARE(page.model()->rowCount(), 2);
        const int row = rowOf(page, daemon.pid());
        QVERIFY(page.model()->row(row).fromLease);
        QCOMPARE(shown(page, row, 2), QStringLiteral("all"));
        QCOMPARE(shown(page, row, 3), QStringLiteral("\u2014")); // its counts are its own
        QCOMPARE(shown(page, row, 4), QStringLiteral("\u2014"));
        // Renewed every 10 s (a third of its lease): not late for that.
        QVERIFY2(!shown(page, row, 1).contains(QStringLiteral("late")),
                 qPrintable(shown(page, row, 1)));
        const QString lease = page.model()->index(row, 1).data(Qt::ToolTipRole).toString();
        QVERIFY2(lease.startsWith(QStringLiteral("Its lease: 30 s.")), qPrintable(lease));
        auto *summary = page.findChild<QLabel *>(QStringLiteral("daemonsSummary"));
        QCOMPARE(summary->text(), QStringLiteral("2 engines on this store."));

        // Stopped, it gives the lease back: this engine takes it over and is the one shown.
        QCOMPARE(daemon.terminate(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 1, 20000);
        QVERIFY(page.model()->row(0).self);
        QVERIFY(!page.model()->row(0).fromLease);
        session.stop();
    }
};

QTEST_MAIN(TestDaemonsPage)
#include "tst_daemonspage.moc"
