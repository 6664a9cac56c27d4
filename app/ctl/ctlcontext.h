// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesession.h"
#include "arguments.h"

#include <QCoreApplication>
#include <QFuture>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

/// What every jobfirstctl command gets: the engine session (the local store, or a jobfirstd
/// with --server), the streams, and helpers to wait for answers and to print them.
struct CtlContext
{
    jobfirst::EngineSession *session = nullptr;
    bool remote = false;
    QString configPath; ///< local mode: the config file given with --config
    QTextStream out{stdout};
    QTextStream err{stderr};

    int fail(const QString &message, int code = 1)
    {
        err << "jobfirstctl: " << message << Qt::endl;
        return code;
    }
    int usage(const QString &message) { return fail(message + QStringLiteral(" (see jobfirstctl --help)"), 2); }
    void printJson(const QJsonDocument &doc, bool pretty = true)
    {
        out << doc.toJson(pretty ? QJsonDocument::Indented : QJsonDocument::Compact);
        if (!pretty)
            out << '\n';
        out.flush();
    }
    void printJson(const QJsonValue &value, bool pretty = true)
    {
        printJson(value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject()), pretty);
    }

    /// Runs the event loop until the answer is there (the engine answers on its own thread).
    template <typename T>
    static T wait(QFuture<T> future)
    {
        while (!future.isFinished())
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        return future.result();
    }
    /// The end of every command that prints text for people unless asked for --json: waits
    /// for the engine's answer to `question`, says its error (exit 1), else prints the answer
    /// as `toJson` encodes it (--json) or as `printText` words it. 0 once printed.
    template <typename T, typename ToJson, typename PrintText>
    int printAnswer(const Arguments &args, QFuture<jobfirst::Result<T>> question, ToJson toJson,
                    PrintText printText)
    {
        const jobfirst::Result<T> answer = wait(std::move(question));
        if (!answer)
            return fail(answer.error().message);
        if (args.isOn(QStringLiteral("json")))
            printJson(toJson(answer.value()));
        else
            printText(answer.value());
        return 0;
    }
};

int runNodeCommand(CtlContext &ctx, const Arguments &args);
int runHealthCommand(CtlContext &ctx, const Arguments &args);
int runWatchCommand(CtlContext &ctx, const Arguments &args);
int runStatusCommand(CtlContext &ctx, const Arguments &args);
int runLbCommand(CtlContext &ctx, const Arguments &args);
int runConfigCommand(CtlContext &ctx, const Arguments &args);
int runAuditCommand(CtlContext &ctx, const Arguments &args);
int runTokenCommand(CtlContext &ctx, const Arguments &args);
int runSyncCommand(CtlContext &ctx, const Arguments &args);
int runDaemonsCommand(CtlContext &ctx, const Arguments &args);
int runTargetCommand(CtlContext &ctx, const Arguments &args);
int runLogsCommand(CtlContext &ctx, const Arguments &args);
int runSloCommand(CtlContext &ctx, const Arguments &args);
int runBackupCommand(CtlContext &ctx, const Arguments &args);
/// backup verify|restore: work on files alone, with no engine and no store opened.
int runOfflineBackupCommand(CtlContext &ctx, const Arguments &args);
/// config check FILE with no store named: the file alone (nothing opened, nothing created).
int runOfflineConfigCheck(CtlContext &ctx, const Arguments &args);
int runAuditVerifyCommand(CtlContext &ctx, const Arguments &args);
/// store copy --to URL: moves the SQLite store `db` into an empty PostgreSQL database.
int runStoreCommand(CtlContext &ctx, const QString &db, bool remote, const Arguments &args);
