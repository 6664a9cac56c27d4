// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirst-nodesim: a real HTTP server playing a Basic Server node or a sync target.
#include "noderegistration.h"
#include "nodesimulator.h"

#include "core/portnumber.h"
#include "core/secrets.h"
#include "remote/remoteenginesession.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QTextStream>

#include <csignal>
#include <optional>

namespace {

// The TLS configuration of --tls-cert/--tls-key/--client-ca, or an error message.
QString tlsFromOptions(const QCommandLineParser &parser, QSslConfiguration *tls)
{
    const QString certPath = parser.value(QStringLiteral("tls-cert"));
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certPath);
    QFile keyFile(parser.value(QStringLiteral("tls-key")));
    if (!keyFile.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read --tls-key %1: %2")
            .arg(keyFile.fileName(), keyFile.errorString());
    const QByteArray pem = keyFile.readAll();
    QSslKey key(pem, QSsl::Rsa);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Ec);
    if (chain.isEmpty())
        return QStringLiteral("--tls-cert %1 holds no certificate").arg(certPath);
    if (key.isNull())
        return QStringLiteral("--tls-key %1 holds no RSA or EC private key")
            .arg(keyFile.fileName());
    *tls = QSslConfiguration::defaultConfiguration();
    tls->setLocalCertificateChain(chain);
    tls->setPrivateKey(key);
    tls->setProtocol(QSsl::TlsV1_2OrLater);
    tls->setPeerVerifyMode(QSslSocket::VerifyNone);
    if (parser.isSet(QStringLiteral("client-ca"))) {
        const QList<QSslCertificate> cas =
            QSslCertificate::fromPath(parser.value(QStringLiteral("client-ca")));
        if (cas.isEmpty())
            return QStringLiteral("--client-ca %1 holds no certificate")
                .arg(parser.value(QStringLiteral("client-ca")));
        // Mutual TLS: a client without a certificate from these CAs fails the handshake.
        tls->setCaCertificates(cas);
        tls->setPeerVerifyMode(QSslSocket::VerifyPeer);
    }
    return {};
}

// The signing secret: --secret-file, else $JOBFIRST_SECRET (empty: unsigned), checked.
jobfirst::Result<QString> secretFromOptions(const QCommandLineParser &parser)
{
    QString secret = qEnvironmentVariable("JOBFIRST_SECRET");
    if (parser.isSet(QStringLiteral("secret-file"))) {
        auto read = jobfirst::readSecretFile(parser.value(QStringLiteral("secret-file")),
                                             QStringLiteral("secret"));
        if (!read)
            return read.error();
        secret = read.value();
    }
    if (jobfirst::Status s = jobfirst::validateSecret(QStringLiteral("secret"), secret); !s)
        return s.error();
    return secret;
}

// The bearer tokens of --token-file and --control-token-file, or an error message.
QString tokensFromOptions(const QCommandLineParser &parser, jobfirst::sim::NodeSimulator &sim)
{
    for (const QString &option :
         {QStringLiteral("token-file"), QStringLiteral("control-token-file")}) {
        if (!parser.isSet(option))
            continue;
        auto token = jobfirst::readSecretFile(parser.value(option), QStringLiteral("token"));
        if (!token)
            return QStringLiteral("--%1: %2").arg(option, token.error().message);
        if (option == QLatin1String("token-file"))
            sim.setToken(token.value());
        else
            sim.setControlToken(token.value());
    }
    return {};
}

// A whole number of --name within [lo, hi], or an error message naming the value.
QString readWhole(const QCommandLineParser &parser, const QString &name, int lo, int hi, int *out)
{
    bool ok = false;
    const QString text = parser.value(name);
    const int value = text.toInt(&ok);
    if (!ok)
        return QStringLiteral("--%1 \"%2\" is not a whole number").arg(name, text);
    if (value < lo || value > hi)
        return QStringLiteral("--%1 %2 is out of range %3-%4").arg(name).arg(value).arg(lo).arg(hi);
    *out = value;
    return {};
}

// The faults the simulator starts with (--latency, --status, --hang), or an error message.
QString faultsFromOptions(const QCommandLineParser &parser, jobfirst::sim::Faults *faults)
{
    if (QString problem = readWhole(parser, QStringLiteral("latency"), 0,
                                    jobfirst::sim::Faults::MaxLatencyMs, &faults->latencyMs);
        !problem.isEmpty())
        return problem;
    if (QString problem = readWhole(parser, QStringLiteral("status"), 0, 599, &faults->status);
        !problem.isEmpty())
        return problem;
    if (faults->status != 0 && faults->status < 100)
        return QStringLiteral("--status %1 is not an HTTP status (100-599, or 0 to behave)")
            .arg(faults->status);
    faults->hang = parser.isSet(QStringLiteral("hang"));
    return {};
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobfirst-nodesim"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JOBFIRST_VERSION));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Plays a JobFirst Basic Server node (GET /health) or a sync target (signed POSTs).\n"
        "Faults switch at run time: POST /control "
        "{\"latency_ms\":200,\"status\":503,\"hang\":true,...}\n"
        "Secrets and tokens come from files (or JOBFIRST_SECRET), never from the command line."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("port"), QStringLiteral("TCP port on 127.0.0.1 (0 picks a free one)."),
         QStringLiteral("port"), QStringLiteral("0")},
        {QStringLiteral("id"), QStringLiteral("Name reported in answers."), QStringLiteral("id"),
         QStringLiteral("node")},
        {QStringLiteral("role"),
         QStringLiteral("node or target (for the banner; both are served)."),
         QStringLiteral("role"), QStringLiteral("node")},
        {QStringLiteral("secret-file"),
         QStringLiteral("File holding the signing secret (or set JOBFIRST_SECRET); when set, "
                        "unsigned or badly "
                        "signed POSTs and digest requests get 401."),
         QStringLiteral("file")},
        {QStringLiteral("token-file"),
         QStringLiteral("File holding a bearer token every request but /control, /stats and "
                        "/records must carry."),
         QStringLiteral("file")},
        {QStringLiteral("control-token-file"),
         QStringLiteral("File holding the bearer token /control, /stats and /records require."),
         QStringLiteral("file")},
        {QStringLiteral("tls-cert"), QStringLiteral("PEM certificate (chain): serve HTTPS."),
         QStringLiteral("file")},
        {QStringLiteral("tls-key"), QStringLiteral("PEM private key of --tls-cert."),
         QStringLiteral("file")},
        {QStringLiteral("client-ca"),
         QStringLiteral("PEM CA bundle: require a client certificate issued by it (mutual TLS)."),
         QStringLiteral("file")},
        {QStringLiteral("latency"), QStringLiteral("Initial latency in ms."), QStringLiteral("ms"),
         QStringLiteral("0")},
        {QStringLiteral("status"), QStringLiteral("Initial forced status (0: behave)."),
         QStringLiteral("code"), QStringLiteral("0")},
        {QStringLiteral("hang"), QStringLiteral("Start hanging (never answer).")},
        {QStringLiteral("register"), QStringLiteral("Register with this engine's admin API at start, deregister at exit."),
         QStringLiteral("url")},
        {QStringLiteral("register-token-file"), QStringLiteral("The node token for --register (a file; never on the command line)."),
         QStringLiteral("file")},
    });
    // A secret given on the command line is visible to every user through ps: refused.
    QCommandLineOption secretOnArgv(QStringLiteral("secret"), QString(), QStringLiteral("secret"));
    secretOnArgv.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(secretOnArgv);
    parser.process(app);
    QTextStream err(stderr);
    const auto port = jobfirst::parsePort(parser.value(QStringLiteral("port")), 0); // 0: any free
    if (!port) {
        err << "jobfirst-nodesim: --port: " << port.error().message << "\n";
        return 2;
    }
    // Checked before anything starts, with the same words as jobfirstctl's --server.
    std::optional<QUrl> engine;
    if (parser.isSet(QStringLiteral("register"))) {
        const auto url =
            jobfirst::RemoteEngineSession::parseServerUrl(parser.value(QStringLiteral("register")));
        if (!url) {
            err << "jobfirst-nodesim: --register: " << url.error().message << "\n";
            return 2;
        }
        engine = url.value();
    }
    const QString role = parser.value(QStringLiteral("role"));
    if (role != QLatin1String("node") && role != QLatin1String("target")) {
        err << "jobfirst-nodesim: --role must be node or target, not \"" << role << "\"\n";
        return 2;
    }
    if (parser.isSet(secretOnArgv)) {
        err << "jobfirst-nodesim: --secret is refused: a secret on the command line is visible to "
               "every user "
               "(ps); use --secret-file FILE or the JOBFIRST_SECRET environment variable\n";
        return 2;
    }
    const auto secret = secretFromOptions(parser);
    if (!secret) {
        err << "jobfirst-nodesim: " << secret.error().message << "\n";
        return 2;
    }
    jobfirst::sim::NodeSimulator sim(parser.value(QStringLiteral("id")), secret.value());
    if (const QString problem = tokensFromOptions(parser, sim); !problem.isEmpty()) {
        err << "jobfirst-nodesim: " << problem << "\n";
        return 2;
    }
    const bool https = parser.isSet(QStringLiteral("tls-cert"));
    if (https != parser.isSet(QStringLiteral("tls-key")) ||
        (parser.isSet(QStringLiteral("client-ca")) && !https)) {
        err << "jobfirst-nodesim: --tls-cert and --tls-key go together, and --client-ca needs "
               "them\n";
        return 2;
    }
    if (https) {
        QSslConfiguration tls;
        if (const QString problem = tlsFromOptions(parser, &tls); !problem.isEmpty()) {
            err << "jobfirst-nodesim: " << problem << "\n";
            return 2;
        }
        sim.setTls(tls);
    }
    jobfirst::sim::Faults faults;
    if (const QString problem = faultsFromOptions(parser, &faults); !problem.isEmpty()) {
        err << "jobfirst-nodesim: " << problem << "\n";
        return 2;
    }
    sim.setFaults(faults);
    if (!sim.listen(port.value())) {
        err << "jobfirst-nodesim: cannot listen on 127.0.0.1:" << port.value() << ": "
            << sim.errorString() << "\n";
        return 1;
    }
    std::signal(SIGTERM, [](int) { QCoreApplication::quit(); });
    std::signal(SIGINT, [](int) { QCoreApplication::quit(); });
    std::unique_ptr<jobfirst::sim::NodeRegistration> registration;
    if (engine) {
        QFile tokenFile(parser.value(QStringLiteral("register-token-file")));
        if (!tokenFile.open(QIODevice::ReadOnly)) {
            err << "jobfirst-nodesim: --register needs --register-token-file FILE with the node token: "
                << tokenFile.fileName() << ": " << tokenFile.errorString() << "\n";
            return 2;
        }
        registration = std::make_unique<jobfirst::sim::NodeRegistration>(
            *engine, tokenFile.read(4096).trimmed(), parser.value(QStringLiteral("id")),
            QStringLiteral("%1://127.0.0.1:%2")
                .arg(https ? QStringLiteral("https") : QStringLiteral("http"))
                .arg(sim.port()));
        if (jobfirst::Status s = registration->registerNode(); !s) {
            err << "jobfirst-nodesim: cannot register: " << s.error().message << "\n";
            return 1;
        }
    }
    QTextStream out(stdout);
    out << "jobfirst-nodesim " << role << ' ' << parser.value(QStringLiteral("id"))
        << " listening on 127.0.0.1:" << sim.port() << (https ? " (https)" : "") << Qt::endl;
    const int code = app.exec();
    if (registration) {
        if (jobfirst::Status s = registration->deregister(); !s)
            err << "jobfirst-nodesim: cannot deregister: " << s.error().message << "\n";
    }
    return code;
}
