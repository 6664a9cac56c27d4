// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "arguments.h"
#include "config/clusterconfig.h"
#include "store/store.h"

#include <QJsonDocument>
#include <QTextStream>

#include <memory>

/// What every jobfirstctl command gets: the store, the config, who is acting, and the streams.
struct CtlContext
{
    QString dbPath;
    QString configPath;
    jobfirst::ClusterConfig config;
    std::unique_ptr<jobfirst::Store> store;
    QString actor;
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
};

int runNodeCommand(CtlContext &ctx, const Arguments &args);
int runHealthCommand(CtlContext &ctx, const Arguments &args);
int runWatchCommand(CtlContext &ctx, const Arguments &args);
int runLbCommand(CtlContext &ctx, const Arguments &args);
int runStatusCommand(CtlContext &ctx, const Arguments &args);
int runConfigCommand(CtlContext &ctx, const Arguments &args);
int runSyncCommand(CtlContext &ctx, const Arguments &args);
int runTargetCommand(CtlContext &ctx, const Arguments &args);
