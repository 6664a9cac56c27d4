// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresserver.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QThread>
#include <QtTest>

#include <csignal>
#include <unistd.h>

QString PostgresServer::binDir()
{
    for (const char *version : {"17", "16", "15", "14", "13"}) {
        const QString dir = QStringLiteral("/usr/lib/postgresql/%1/bin").arg(QLatin1String(version));
        if (QFile::exists(dir + QStringLiteral("/initdb")))
            return dir;
    }
    return {};
}

bool PostgresServer::run(const QString &program, const QStringList &args, int timeoutMs, QString *output) const
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (m_asPostgres)
        p.start(QStringLiteral("runuser"), QStringList{QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program} + args);
    else
        p.start(program, args);
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("%s %s failed: %s", qPrintable(program), qPrintable(args.join(u' ')), p.readAll().constData());
        return false;
    }
    if (output)
        *output = QString::fromUtf8(p.readAll());
    return true;
}

bool PostgresServer::start(bool durable)
{
    const QString bin = binDir();
    if (bin.isEmpty()) {
        qWarning("PostgreSQL is not installed (scripts/bootstrap installs the postgresql package)");
        return false;
    }
    m_asPostgres = ::getuid() == 0;
    m_dir = std::make_unique<QTemporaryDir>();
    // The server's own user must reach its folders.
    QFile::setPermissions(m_dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther
                                             | QFile::ReadGroup | QFile::ExeGroup);
    m_data = m_dir->filePath(QStringLiteral("data"));
    const QString sockets = m_dir->filePath(QStringLiteral("sockets"));
    QDir().mkpath(m_data);
    QDir().mkpath(sockets);
    if (m_asPostgres) {
        QProcess::execute(QStringLiteral("chown"), {QStringLiteral("-R"), QStringLiteral("postgres:postgres"), m_data, sockets});
    }
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
    }
    if (!run(bin + QStringLiteral("/initdb"), {QStringLiteral("-D"), m_data, QStringLiteral("-A"), QStringLiteral("trust"), QStringLiteral("-U"),
                                               user(), QStringLiteral("--no-sync"), QStringLiteral("-E"), QStringLiteral("UTF8")}))
        return false;
    QFile conf(m_data + QStringLiteral("/postgresql.auto.conf"));
    // As root the folder belongs to postgres: append through the server's own user.
    const QString settings =
        QStringLiteral("listen_addresses = '127.0.0.1'\nport = %1\nunix_socket_directories = '%2'\n"
                       "fsync = %3\nsynchronous_commit = %3\nmax_connections = 200\n")
            .arg(m_port)
            .arg(sockets, durable ? QStringLiteral("on") : QStringLiteral("off"))
        // Settings for a profile, e.g. "shared_preload_libraries = 'pg_stat_statements';
        // log_lock_waits = on": one per ';'.
        + qEnvironmentVariable("JOBFIRST_PG_SETTINGS").split(u';', Qt::SkipEmptyParts).join(u'\n') +
        u'\n';
    if (m_asPostgres) {
        if (!run(QStringLiteral("sh"), {QStringLiteral("-c"), QStringLiteral("cat >> '%1' <<'EOF'\n%2EOF\n").arg(conf.fileName(), settings)}))
            return false;
    } else {
        if (!conf.open(QIODevice::Append))
            return false;
        conf.write(settings.toUtf8());
        conf.close();
    }
    if (!run(bin + QStringLiteral("/pg_ctl"), {QStringLiteral("-D"), m_data, QStringLiteral("-l"), m_data + QStringLiteral("/server.log"),
                                               QStringLiteral("-w"), QStringLiteral("start")}))
        return false;
    m_running = true;
    return run(bin + QStringLiteral("/createdb"), {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                                                   QString::number(m_port), QStringLiteral("-U"), user(), database()});
}

bool PostgresServer::stop(const QString &mode)
{
    if (!m_running)
        return true;
    m_running = false;
    return run(binDir() + QStringLiteral("/pg_ctl"), {QStringLiteral("-D"), m_data, QStringLiteral("-m"), mode, QStringLiteral("-w"), QStringLiteral("stop")});
}

bool PostgresServer::resume()
{
    if (m_running || m_data.isEmpty())
        return m_running;
    m_running = run(binDir() + QStringLiteral("/pg_ctl"), {QStringLiteral("-D"), m_data, QStringLiteral("-l"), m_data + QStringLiteral("/server.log"),
                                                           QStringLiteral("-w"), QStringLiteral("start")});
    return m_running;
}

bool PostgresServer::freeze()
{
    QFile pidFile(m_data + QStringLiteral("/postmaster.pid"));
    if (!m_running || !pidFile.open(QIODevice::ReadOnly)) {
        qWarning("freeze: the server is not running");
        return false;
    }
    const qint64 postmaster = pidFile.readLine().trimmed().toLongLong();
    // The postmaster first, so it starts no backend that would be left running.
    if (postmaster <= 0 || ::kill(pid_t(postmaster), SIGSTOP) != 0) {
        qWarning("freeze: no postmaster %lld", postmaster);
        return false;
    }
    m_frozen << postmaster;
    // Its children by /proc/PID/stat: "pid (comm) state ppid ...", comm may hold spaces.
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!entry.toLongLong() || !stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1).toLongLong() == postmaster &&
            ::kill(pid_t(entry.toLongLong()), SIGSTOP) == 0)
            m_frozen << entry.toLongLong();
    }
    return true;
}

void PostgresServer::thaw()
{
    for (qint64 pid : std::as_const(m_frozen))
        ::kill(pid_t(pid), SIGCONT);
    m_frozen.clear();
}

bool PostgresServer::restart()
{
    return run(binDir() + QStringLiteral("/pg_ctl"), {QStringLiteral("-D"), m_data, QStringLiteral("-l"), m_data + QStringLiteral("/server.log"),
                                                      QStringLiteral("-m"), QStringLiteral("fast"), QStringLiteral("-w"), QStringLiteral("restart")});
}

bool PostgresServer::addPasswordRole(const QString &role, const QString &password)
{
    if (psql(QStringLiteral("CREATE ROLE %1 LOGIN PASSWORD '%2'").arg(role, password)).isNull() ||
        psql(QStringLiteral("CREATE DATABASE %1 OWNER %1").arg(role)).isNull())
        return false;
    // The first matching line wins: the role's own, before initdb's "trust" for everyone.
    QFile hba(m_data + QStringLiteral("/pg_hba.conf"));
    if (!hba.open(QIODevice::ReadOnly))
        return false;
    const QString rules = QStringLiteral("host all %1 127.0.0.1/32 scram-sha-256\n").arg(role) +
                          QString::fromUtf8(hba.readAll());
    hba.close();
    if (m_asPostgres) {
        if (!run(QStringLiteral("sh"),
                 {QStringLiteral("-c"),
                  QStringLiteral("cat > '%1' <<'EOF'\n%2EOF\n").arg(hba.fileName(), rules)}))
            return false;
    } else {
        if (!hba.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return false;
        hba.write(rules.toUtf8());
        hba.close();
    }
    if (psql(QStringLiteral("SELECT pg_reload_conf()")) != QLatin1String("t"))
        return false;
    // The postmaster reloads on its own time: wait until a connection of the role is refused
    // without a password.
    for (int i = 0; i < 100; ++i) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PGPASSFILE"), QStringLiteral("/nonexistent"));
        p.setProcessEnvironment(env);
        p.start(binDir() + QStringLiteral("/psql"),
                {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                 QString::number(m_port), QStringLiteral("-U"), role, QStringLiteral("-d"), role,
                 QStringLiteral("-w"), QStringLiteral("-tAc"), QStringLiteral("SELECT 1")});
        if (p.waitForFinished(10000) && p.exitCode() != 0)
            return true;
        QThread::msleep(50);
    }
    return false;
}

QString PostgresServer::url() const
{
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3").arg(user()).arg(m_port).arg(database());
}

QString PostgresServer::psql(const QString &sql) const
{
    QString out;
    QProcess p;
    p.start(binDir() + QStringLiteral("/psql"), {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_port),
                                                  QStringLiteral("-U"), user(), QStringLiteral("-d"), database(), QStringLiteral("-tAc"), sql});
    if (!p.waitForFinished(30000) || p.exitCode() != 0) {
        qWarning("psql failed: %s", p.readAllStandardError().constData());
        return {};
    }
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

PostgresServer::~PostgresServer()
{
    thaw();
    stop(QStringLiteral("immediate"));
}
