// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "host/engineoptions.h"

#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>
#include <memory>

namespace jobfirst {
class EngineSession;
namespace ui {
class MainWindow;
}
}

class DemoCluster;

/// Which engine the console shows, and the window showing it. Switching engines (demo,
/// a store file, a remote jobfirstd) makes a new session and, once it answers, a new window
/// for it: nothing from the previous engine can stay on screen.
class ConsoleShell final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConsoleShell)

public:
    explicit ConsoleShell(QObject *parent = nullptr);
    ~ConsoleShell() override;

    void startDemo();
    /// `dbPath` is a store file, or a postgresql:// URL with `localDb` the file for the rest.
    /// createConfig: a missing configPath is made (--create-config); else it is an error.
    void openStore(const QString &dbPath, const QString &configPath, const QString &localDb = {},
                   bool createConfig = false);
    /// The lease time (--lease) of the stores opened from here on, in ms.
    void setLeaseMs(qint64 ms) { m_leaseMs = ms; }
    /// Attaches to a jobfirstd; `remember` keeps URL and token (in a 0600 file) for next time.
    void connectRemote(const QUrl &server, const QByteArray &token, const QString &caFile, bool remember);
    /// --connect with --token-file: attaches with `token`, read from `tokenFile`. A file that
    /// others can read is used (whoever could read it may have it already), and the window
    /// made next says so, with the fix.
    void attachWithTokenFile(const QUrl &server, const QString &tokenFile, const QByteArray &token,
                             const QString &caFile);
    /// The engine the console used last (a remembered remote or store), or the demo.
    void startRemembered();
    /// File → Use embedded engine: the store used last, or the demo when there is none.
    void useEmbedded();

    jobfirst::ui::MainWindow *window() const { return m_window.get(); }
    jobfirst::EngineSession *session() const { return m_session.get(); }
    /// Options applied to every window made (language, page), and a hook run on each.
    void setWindowSetup(std::function<void(jobfirst::ui::MainWindow *)> setup) { m_setup = std::move(setup); }
    void stop();

signals:
    /// A new window is showing the new engine.
    void windowChanged(jobfirst::ui::MainWindow *window);
    void failed(const QString &message);

private:
    void adopt(std::unique_ptr<jobfirst::EngineSession> session, std::unique_ptr<DemoCluster> demo);
    void fail(const QString &message);
    /// File → Open cluster store…: the store with the config beside it, made when missing.
    void openStoreWithConfigBeside(const QString &path);
    QString storeFailure(const QString &store, const jobfirst::Error &error) const;
    /// Why the engine did not start, naming what is at fault: the config file or the store.
    QString openFailure(const jobfirst::EngineOptions &options, const jobfirst::Error &error) const;
    /// An engine that did not open: said on the window shown, which stays; before any window,
    /// said on stderr and in a dialog that starts nothing until the operator chooses.
    void cannotOpen(const QString &message, const std::function<void()> &retry);
    /// The dialog: Try again (`retry`), Open another store…, Start the demo, or Quit.
    void askWhatToOpen(const QString &message, const std::function<void()> &retry);
    /// Says when opening a store wrote its missing config file, and from what.
    void sayHowTheConfigWasMade();

    std::unique_ptr<jobfirst::EngineSession> m_session;
    qint64 m_leaseMs = jobfirst::DeliveryLease::DefaultTtlMs;
    std::unique_ptr<jobfirst::ui::MainWindow> m_window;
    /// A failure before any window exists (a remembered engine whose token cannot be read):
    /// shown on the window made next, the demo's, so the operator learns why it is not theirs.
    QString m_unshownError;
    /// A --token-file others can read: said on the window made next, in its language.
    QString m_openTokenFile;
    QString m_attachingTokenFile; ///< --token-file of the attach under way, remembered once it succeeds
    std::unique_ptr<DemoCluster> m_demo;
    std::function<void(jobfirst::ui::MainWindow *)> m_setup;
};
