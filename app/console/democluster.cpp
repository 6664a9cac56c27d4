// SPDX-License-Identifier: GPL-3.0-or-later
#include "democluster.h"

#include "api/localenginesession.h"
#include "core/backgroundpool.h"
#include "core/secrets.h"
#include "core/whenfinished.h"
#include "pages/page.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>
#include <QtConcurrent>

#include <cctype>
#include <climits>
#include <csignal>

#include <dirent.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace jobfirst;

namespace {
const QString FolderPrefix = QStringLiteral("jobfirst-demo-");
const QString OwnerFile = QStringLiteral("owner");
/// In a demo folder whose store an operator opened with --db: the folder is theirs now.
const QString AdoptedFile = QStringLiteral("adopted");

/// When a process started, in clock ticks since boot (/proc/PID/stat, field 22), so that a
/// reused process id is not taken for the console that made a folder. 0 when it does not run.
qint64 processStartTime(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    const qsizetype name = line.lastIndexOf(')'); // the name may hold spaces and parentheses
    if (name < 0)
        return 0;
    const QList<QByteArray> fields = line.mid(name + 2).split(' '); // from field 3, the state
    if (fields.value(0) == "Z")
        return 0; // dead, not yet reaped
    return fields.value(19).toLongLong();
}

bool ownerRuns(const QString &folder)
{
    QFile owner(QDir(folder).filePath(OwnerFile));
    const QList<QByteArray> fields = owner.open(QIODevice::ReadOnly)
                                         ? owner.readAll().trimmed().split(' ')
                                         : QList<QByteArray>();
    const qint64 pid = fields.value(0).toLongLong(), started = fields.value(1).toLongLong();
    if (pid <= 0 || started <= 0) {
        // The owner is written (atomically) right after the folder is made: without it the
        // folder is being made now, or its console was killed in between.
        return QFileInfo(folder).lastModified().msecsTo(QDateTime::currentDateTime()) < 60000;
    }
    return processStartTime(pid) == started;
}

/// Whether the process whose open files /proc lists in `fds` has one under `prefix`.
bool hasFileOpenUnder(const QByteArray &fds, const QByteArray &prefix)
{
    DIR *dir = ::opendir(fds.constData());
    if (!dir)
        return false; // it ended meanwhile
    bool open = false;
    for (const dirent *fd = ::readdir(dir); fd && !open; fd = ::readdir(dir)) {
        char target[PATH_MAX];
        const ssize_t n = ::readlink((fds + '/' + fd->d_name).constData(), target, sizeof target);
        open = n > 0 && QByteArrayView(target, n).startsWith(prefix);
    }
    ::closedir(dir);
    return open;
}

/// Whether a running process has a file open in `folder`: a killed demo's store opened again
/// with --db is in use, whoever made its folder. (Another user's processes cannot be read, nor
/// open a file in a folder only this user may enter.)
bool openInAnyProcess(const QString &folder)
{
    const QString canonical = QDir(folder).canonicalPath();
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return true; // cannot tell: kept
    const QByteArray prefix = QFile::encodeName(canonical) + '/';
    bool open = false;
    for (const dirent *p = ::readdir(proc); p && !open && !canonical.isEmpty(); p = ::readdir(proc))
        open = std::isdigit(static_cast<unsigned char>(p->d_name[0])) &&
               hasFileOpenUnder(QByteArray("/proc/") + p->d_name + "/fd", prefix);
    ::closedir(proc);
    return open;
}

} // namespace

DemoCluster::DemoCluster(LocalEngineSession *engine, QObject *parent)
    : QObject(parent), m_engine(engine), m_secret(generateSecret())
{
}

int DemoCluster::removeStaleFolders(const QString &tempPath, const QString &keep)
{
    int removed = 0;
    const QDir temp(tempPath);
    const QString kept = keep.isEmpty() ? QString() : QFileInfo(keep).absoluteFilePath();
    const QStringList folders =
        temp.entryList({FolderPrefix + u'*'}, QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &name : folders) {
        const QString folder = temp.filePath(name);
        if (!kept.isEmpty() && kept.startsWith(QFileInfo(folder).absoluteFilePath() + u'/'))
            continue; // someone opens a killed demo's store on purpose: not taken from under it
        if (QFileInfo::exists(QDir(folder).filePath(AdoptedFile)))
            continue;
        if (!ownerRuns(folder) && !openInAnyProcess(folder) && QDir(folder).removeRecursively())
            ++removed;
    }
    return removed;
}

bool DemoCluster::adoptFolderOf(const QString &tempPath, const QString &dbPath)
{
    const QFileInfo store(dbPath);
    const QDir folder = store.absoluteDir();
    if (!folder.dirName().startsWith(FolderPrefix) ||
        QFileInfo(folder.absolutePath()).absolutePath() != QFileInfo(tempPath).absoluteFilePath())
        return false;
    QSaveFile adopted(folder.filePath(AdoptedFile));
    return adopted.open(QIODevice::WriteOnly) &&
           adopted.write("Opened with --db " + QFile::encodeName(store.fileName()) +
                         ": this folder is kept; the demo's clean-up no longer removes it.\n") > 0 &&
           adopted.commit();
}

void DemoCluster::removeStaleFoldersLater(const QString &keep, const QString &opened)
{
    (void)QtConcurrent::run(backgroundPool(), [temp = QDir::tempPath(), keep, opened] {
        if (!opened.isEmpty())
            adoptFolderOf(temp, opened);
        removeStaleFolders(temp, keep);
    });
}

DemoCluster::~DemoCluster()
{
    // The engine may be stopped already: a simulator that only now says where it listens
    // must not configure anything while it is being stopped.
    m_configured = true;
    for (Sim &s : m_sims) {
        if (s.process && s.process->state() != QProcess::NotRunning) {
            s.process->disconnect(this);
            s.process->terminate();
        }
    }
    for (Sim &s : m_sims) {
        if (s.process && s.process->state() != QProcess::NotRunning &&
            !s.process->waitForFinished(1000)) {
            s.process->kill();
            s.process->waitForFinished(1000);
        }
    }
}

QString DemoCluster::dbPath() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("demo-cluster.db")) : QString();
}
QString DemoCluster::configPath() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("demo-cluster.json")) : QString();
}

QString DemoCluster::nodesimPath()
{
    const QString dir = QCoreApplication::applicationDirPath();
    for (const QString &candidate : {dir + QStringLiteral("/jobfirst-nodesim"), dir + QStringLiteral("/../nodesim/jobfirst-nodesim")})
        if (QFileInfo(candidate).isExecutable())
            return candidate;
    return QStandardPaths::findExecutable(QStringLiteral("jobfirst-nodesim"));
}

void DemoCluster::start()
{
    const QString program = nodesimPath();
    if (program.isEmpty()) {
        emit failed(tr("jobfirst-nodesim was not found next to the console or on PATH; the demo cannot start."));
        return;
    }
    const QString temp = QDir::tempPath();
    // Folders of consoles that were killed: removed off the GUI thread, while this one starts.
    removeStaleFoldersLater();
    m_dir = std::make_unique<QTemporaryDir>(
        QDir(temp).filePath(FolderPrefix + QStringLiteral("XXXXXX")));
    if (!m_dir->isValid()) {
        emit failed(
            tr("Cannot create a folder for the demo cluster: %1").arg(m_dir->errorString()));
        return;
    }
    // Written whole or not at all: another console's sweep may read it at any moment.
    QSaveFile owner(m_dir->filePath(OwnerFile));
    const qint64 pid = QCoreApplication::applicationPid();
    if (!owner.open(QIODevice::WriteOnly) ||
        owner.write(QByteArray::number(pid) + ' ' + QByteArray::number(processStartTime(pid)) +
                    '\n') < 0 ||
        !owner.commit()) {
        // The folder is of no use without its owner: say so in the words already translated.
        emit failed(tr("Cannot create a folder for the demo cluster: %1").arg(owner.errorString()));
        return;
    }
    const QString created = QStringLiteral("user.created"), updated = QStringLiteral("user.updated"),
                  status = QStringLiteral("user.status"), login = QStringLiteral("user.login"), logout = QStringLiteral("user.logout"),
                  perms = QStringLiteral("user.permissions"), quota = QStringLiteral("user.quota");
    const QList<std::tuple<QString, QString, QString, QStringList>> plan = {
        {QStringLiteral("basic-server-1"), QStringLiteral("node"), QString(), {}},
        {QStringLiteral("basic-server-2"), QStringLiteral("node"), QString(), {}},
        {QStringLiteral("basic-server-3"), QStringLiteral("node"), QString(), {}},
        {QStringLiteral("unified-auth"), QStringLiteral("target"), QStringLiteral("/api/v1/auth/sync/user"), {created, updated, status, login, logout, perms}},
        {QStringLiteral("user-service"), QStringLiteral("target"), QStringLiteral("/api/v1/users/sync"), {created, updated, status}},
        {QStringLiteral("ai-service"), QStringLiteral("target"), QStringLiteral("/api/v1/ai/sync/user"), {created, perms, quota, status}},
        {QStringLiteral("resume-service"), QStringLiteral("target"), QStringLiteral("/api/v1/resume/sync/user"), {created, updated, status}},
        {QStringLiteral("company-service"), QStringLiteral("target"), QStringLiteral("/api/v1/company/sync/user"), {created, status}},
        {QStringLiteral("job-service"), QStringLiteral("target"), QStringLiteral("/api/v1/job/sync/user"), {created, updated, status}},
    };
    for (const auto &[id, role, path, events] : plan) {
        Sim s;
        s.id = id;
        s.role = role;
        s.path = path;
        s.events = events;
        s.process = std::make_unique<QProcess>();
        // The simulators die with the console, even when it is killed and cannot stop them.
        const pid_t console = getpid();
        s.process->setChildProcessModifier([console] {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != console)
                _exit(1); // the console died before the line above
        });
        QStringList args{QStringLiteral("--port"), QStringLiteral("0"),
                         QStringLiteral("--id"),   id,
                         QStringLiteral("--role"), role};
        // The demo's own secret goes in the environment, where ps does not show it.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("JOBFIRST_SECRET"), m_secret);
        s.process->setProcessEnvironment(env);
        // A little variety so the charts have something to say.
        if (id == u"basic-server-3")
            args << QStringLiteral("--latency") << QStringLiteral("25");
        connect(s.process.get(), &QProcess::readyReadStandardOutput, this, &DemoCluster::onListening);
        connect(s.process.get(), &QProcess::errorOccurred, this, [this, id](QProcess::ProcessError) {
            if (!m_configured)
                emit failed(tr("The demo process %1 could not start.").arg(id));
        });
        s.process->start(program, args);
        m_sims.push_back(std::move(s));
    }
}

void DemoCluster::onListening()
{
    static const QRegularExpression listening(QStringLiteral("listening on 127.0.0.1:(\\d+)"));
    bool all = true;
    for (Sim &s : m_sims) {
        if (s.port == 0) {
            const auto m = listening.match(QString::fromUtf8(s.process->peek(4096)));
            if (m.hasMatch())
                s.port = quint16(m.captured(1).toUInt());
        }
        all = all && s.port != 0;
    }
    if (all && !m_configured) {
        m_configured = true;
        configure();
    }
}

void DemoCluster::configure()
{
    ClusterConfig config;
    config.clusterId = QStringLiteral("jobfirst-demo");
    config.healthCheckIntervalMs = 2000;
    config.healthCheckTimeoutMs = 1000;
    config.fastIntervalMs = 500;
    config.downIntervalMs = 2000;
    config.nodeTimeoutMs = 20000;
    config.slowStartMs = 10000;
    config.syncRetryIntervalMs = 1000;
    config.clusterSecret = m_secret;
    config.targets.clear();
    QList<NodeSpec> nodes;
    for (const Sim &s : m_sims) {
        const QString base = QStringLiteral("http://127.0.0.1:%1").arg(s.port);
        if (s.role == u"node") {
            NodeSpec n{s.id, base};
            n.weight = s.id.endsWith(u'1') ? 3 : 1;
            n.tags = {QStringLiteral("demo")};
            nodes << n;
        } else {
            TargetConfig t;
            t.name = s.id;
            t.url = base + s.path;
            t.events = s.events;
            t.secret = m_secret;
            config.targets << t;
        }
    }
    const QString configFile = configPath();
    EngineOptions options;
    options.dbPath = dbPath();
    options.configPath = configFile;
    options.demo = true;
    // The config file is written on a pool thread: the GUI thread does no disk work.
    whenFinished(
        QtConcurrent::run(backgroundPool(),
                          [config, configFile] { return config.saveToFile(configFile); }),
        this, [this, options, nodes](const Status &saved) {
            if (!saved) {
                emit failed(ui::errorMessage(saved.error()));
                return;
            }
            whenFinished(m_engine->start(options), this, [this, nodes](const Status &started) {
                if (!started) {
                    emit failed(ui::errorMessage(started.error()));
                    return;
                }
                // Ready once every add is answered (or dropped), as QtFuture::whenAll() would say;
                // it attaches then() to each future, which races with the engine thread.
                if (nodes.isEmpty()) {
                    emit ready();
                    return;
                }
                auto left = std::make_shared<qsizetype>(nodes.size());
                for (const NodeSpec &n : nodes) {
                    auto *watcher = new QFutureWatcher<Result<NodeStatus>>(this);
                    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, left] {
                        watcher->deleteLater();
                        if (--*left == 0)
                            emit ready();
                    });
                    watcher->setFuture(m_engine->addNode(n));
                }
            });
        });
}
