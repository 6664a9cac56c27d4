// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QProcess>
#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace jobfirst {
class LocalEngineSession;
}

/// The demo: three jobfirst-nodesim Basic Server nodes and the six JobFirst services as real
/// processes on loopback, a fresh store and config, and the engine's demo workload. Every
/// process it started is stopped when it is destroyed, and dies with the console when the
/// console is killed. Its folder (<temp>/jobfirst-demo-XXXXXX) names the console that owns it;
/// starting the demo removes the folders of consoles that no longer run.
class DemoCluster final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoCluster)

public:
    explicit DemoCluster(jobfirst::LocalEngineSession *engine, QObject *parent = nullptr);
    ~DemoCluster() override;

    /// Starts the processes; `ready` or `failed` follows (never blocks).
    void start();
    QString dbPath() const;
    QString configPath() const;

    /// Removes the demo folders under `tempPath` whose console no longer runs (it was killed
    /// and could not clean up) and in which no process has a file open (its store opened
    /// again with --db), except one holding `keep` (a store this console is opening) and
    /// those an operator adopted.
    /// Returns how many were removed. Disk work: not on the GUI thread.
    static int removeStaleFolders(const QString &tempPath, const QString &keep = {});
    /// The same sweep on a pool thread, as every console start does (any engine, not only the
    /// demo), so a killed console's folder goes at the next start.
    /// `opened`: a store opened with --db; when it is in a demo folder, the folder is adopted
    /// first (adoptFolderOf()).
    static void removeStaleFoldersLater(const QString &keep = {}, const QString &opened = {});
    /// Marks the demo folder under `tempPath` that holds `dbPath` as the operator's (they
    /// opened its store with --db, as after a crash, and may have worked in it since): no
    /// sweep removes it afterwards. False when `dbPath` is not in a demo folder.
    static bool adoptFolderOf(const QString &tempPath, const QString &dbPath);

signals:
    void ready();
    void failed(const QString &message);

private:
    struct Sim
    {
        QString id;
        QString role;
        QString path; ///< target URL path
        QStringList events;
        std::unique_ptr<QProcess> process;
        quint16 port = 0;
    };
    void onListening();
    void configure();
    static QString nodesimPath();

    jobfirst::LocalEngineSession *m_engine;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_secret; ///< made at start: no two demos share one, none is built in
    std::vector<Sim> m_sims;
    bool m_configured = false;
};
