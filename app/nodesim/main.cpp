// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirst-nodesim: a real HTTP server playing a Basic Server node or a sync target.
#include "noderegistration.h"
#include "nodesimulator.h"

#include "core/cryptolifetime.h"
#include "core/portnumber.h"
#include "core/secrets.h"
#include "core/unixsignalwatcher.h"
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

/// What the command line asks of the simulator, read and checked before anything starts.
struct SimOptions
{
    quint16 port = 0; ///< 0: any free port
    QString id;
    QString role;
    std::optional<QUrl> engine; ///< --register: the admin API to register with at start
    QString registerTokenFile;
    QString secret; ///< empty: requests are not signed
    std::optional<QString> token, controlToken;
    std::optional<QSslConfiguration> tls; ///< set: serve HTTPS
    jobfirst::sim::Faults faults;
};

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
QString tokensFromOptions(const QCommandLineParser &parser, SimOptions *o)
{
    for (const QString &option :
         {QStringLiteral("token-file"), QStringLiteral("control-token-file")}) {
        if (!parser.isSet(option))
            continue;
        auto token = jobfirst::readSecretFile(parser.value(option), QStringLiteral("token"));
        if (!token)
            return QStringLiteral("--%1: %2").arg(option, token.error().message);
        (option == QLatin1String("token-file") ? o->token : o->controlToken) = token.value();
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

void addNodeOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("port"), QStringLiteral("TCP port on 127.0.0.1 (0 picks a free one)."),
         QStringLiteral("port"), QStringLiteral("0")},
        {QStringLiteral("id"), QStringLiteral("Name reported in answers."), QStringLiteral("id"),
         QStringLiteral("node")},
        {QStringLiteral("role"),
         QStringLiteral("node or target (for the banner; both are served)."),
         QStringLiteral("role"), QStringLiteral("node")},
    });
}

void addSecretOptions(QCommandLineParser &parser)
{
    parser.addOptions({
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
    });
    // A secret given on the command line is visible to every user through ps: refused.
    QCommandLineOption secretOnArgv(QStringLiteral("secret"), QString(), QStringLiteral("secret"));
    secretOnArgv.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(secretOnArgv);
}

void addTlsOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("tls-cert"), QStringLiteral("PEM certificate (chain): serve HTTPS."),
         QStringLiteral("file")},
        {QStringLiteral("tls-key"), QStringLiteral("PEM private key of --tls-cert."),
         QStringLiteral("file")},
        {QStringLiteral("client-ca"),
         QStringLiteral("PEM CA bundle: require a client certificate issued by it (mutual TLS)."),
         QStringLiteral("file")},
    });
}

void addFaultOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("latency"), QStringLiteral("Initial latency in ms."), QStringLiteral("ms"),
         QStringLiteral("0")},
        {QStringLiteral("status"), QStringLiteral("Initial forced status (0: behave)."),
         QStringLiteral("code"), QStringLiteral("0")},
        {QStringLiteral("hang"), QStringLiteral("Start hanging (never answer).")},
    });
}

void addRegistrationOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("register"),
         QStringLiteral("Register with this engine's admin API at start, deregister at exit."),
         QStringLiteral("url")},
        {QStringLiteral("register-token-file"),
         QStringLiteral("The node token for --register (a file; never on the command line)."),
         QStringLiteral("file")},
    });
}

/// The options as --help lists them.
void addOptions(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral(
        "Plays a JobFirst Basic Server node (GET /health) or a sync target (signed POSTs).\n"
        "Faults switch at run time: POST /control "
        "{\"latency_ms\":200,\"status\":503,\"hang\":true,...}\n"
        "Secrets and tokens come from files (or JOBFIRST_SECRET), never from the command line."));
    parser.addHelpOption();
    parser.addVersionOption();
    addNodeOptions(parser);
    addSecretOptions(parser);
    addTlsOptions(parser);
    addFaultOptions(parser);
    addRegistrationOptions(parser);
}

// --port, --register (with the same words as jobfirstctl's --server) and --role, or an error
// message.
QString addressesFromOptions(const QCommandLineParser &parser, SimOptions *o)
{
    const auto port = jobfirst::parsePort(parser.value(QStringLiteral("port")), 0); // 0: any free
    if (!port)
        return QStringLiteral("--port: ") + port.error().message;
    o->port = port.value();
    if (parser.isSet(QStringLiteral("register"))) {
        const auto url =
            jobfirst::RemoteEngineSession::parseServerUrl(parser.value(QStringLiteral("register")));
        if (!url)
            return QStringLiteral("--register: ") + url.error().message;
        o->engine = url.value();
        o->registerTokenFile = parser.value(QStringLiteral("register-token-file"));
    }
    o->role = parser.value(QStringLiteral("role"));
    if (o->role != QLatin1String("node") && o->role != QLatin1String("target"))
        return QStringLiteral("--role must be node or target, not \"%1\"").arg(o->role);
    o->id = parser.value(QStringLiteral("id"));
    return {};
}

// The signing secret and the bearer tokens, from files (or $JOBFIRST_SECRET), or an error
// message; a secret on the command line is refused.
QString secretsFromOptions(const QCommandLineParser &parser, SimOptions *o)
{
    if (parser.isSet(QStringLiteral("secret")))
        return QStringLiteral("--secret is refused: a secret on the command line is visible to "
                              "every user (ps); use --secret-file FILE or the JOBFIRST_SECRET "
                              "environment variable");
    const auto secret = secretFromOptions(parser);
    if (!secret)
        return secret.error().message;
    o->secret = secret.value();
    return tokensFromOptions(parser, o);
}

// HTTPS when --tls-cert and --tls-key are given (with --client-ca, mutual TLS), or an error
// message.
QString httpsFromOptions(const QCommandLineParser &parser, SimOptions *o)
{
    const bool https = parser.isSet(QStringLiteral("tls-cert"));
    if (https != parser.isSet(QStringLiteral("tls-key")) ||
        (parser.isSet(QStringLiteral("client-ca")) && !https))
        return QStringLiteral("--tls-cert and --tls-key go together, and --client-ca needs them");
    if (!https)
        return {};
    QSslConfiguration tls;
    if (QString problem = tlsFromOptions(parser, &tls); !problem.isEmpty())
        return problem;
    o->tls = tls;
    return {};
}

// Every option, checked in the order they are said to be wrong, or an error message.
QString readOptions(const QCommandLineParser &parser, SimOptions *o)
{
    for (const auto read : {addressesFromOptions, secretsFromOptions, httpsFromOptions})
        if (QString problem = read(parser, o); !problem.isEmpty())
            return problem;
    return faultsFromOptions(parser, &o->faults);
}

// Says on stderr why the simulator stops; answers the exit code.
int refuse(const QString &problem, int code)
{
    QTextStream(stderr) << "jobfirst-nodesim: " << problem << "\n";
    return code;
}

void applyOptions(jobfirst::sim::NodeSimulator &sim, const SimOptions &o)
{
    if (o.token)
        sim.setToken(*o.token);
    if (o.controlToken)
        sim.setControlToken(*o.controlToken);
    if (o.tls)
        sim.setTls(*o.tls);
    sim.setFaults(o.faults);
}

// Registers the listening simulator with the engine of --register; answers the exit code
// when it cannot (2: no token file, 1: the engine said no), else 0.
int registerWithEngine(const SimOptions &o, quint16 port,
                       std::unique_ptr<jobfirst::sim::NodeRegistration> *registration)
{
    QFile tokenFile(o.registerTokenFile);
    if (!tokenFile.open(QIODevice::ReadOnly))
        return refuse(QStringLiteral("--register needs --register-token-file FILE with the node "
                                     "token: %1: %2")
                          .arg(tokenFile.fileName(), tokenFile.errorString()),
                      2);
    *registration = std::make_unique<jobfirst::sim::NodeRegistration>(
        *o.engine, tokenFile.read(4096).trimmed(), o.id,
        QStringLiteral("%1://127.0.0.1:%2")
            .arg(o.tls ? QStringLiteral("https") : QStringLiteral("http"))
            .arg(port));
    if (jobfirst::Status s = (*registration)->registerNode(); !s)
        return refuse(QStringLiteral("cannot register: ") + s.error().message, 1);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    jobfirst::keepCryptoUntilExit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobfirst-nodesim"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JOBFIRST_VERSION));
    QCommandLineParser parser;
    addOptions(parser);
    parser.process(app);
    SimOptions options;
    if (const QString problem = readOptions(parser, &options); !problem.isEmpty())
        return refuse(problem, 2);
    jobfirst::sim::NodeSimulator sim(options.id, options.secret);
    applyOptions(sim, options);
    if (!sim.listen(options.port))
        return refuse(QStringLiteral("cannot listen on 127.0.0.1:%1: %2")
                          .arg(QString::number(options.port), sim.errorString()),
                      1);
    // Not quit() in a signal handler (not safe there): the watcher brings the signal to the
    // event loop, which also ends a run stopped while it registers, before exec() began.
    jobfirst::UnixSignalWatcher unixSignals({SIGTERM, SIGINT});
    QObject::connect(&unixSignals, &jobfirst::UnixSignalWatcher::received, &app,
                     &QCoreApplication::quit);
    std::unique_ptr<jobfirst::sim::NodeRegistration> registration;
    if (const int code =
            options.engine ? registerWithEngine(options, sim.port(), &registration) : 0;
        code != 0)
        return code;
    QTextStream(stdout) << "jobfirst-nodesim " << options.role << ' ' << options.id
                        << " listening on 127.0.0.1:" << sim.port()
                        << (options.tls ? " (https)" : "") << Qt::endl;
    const int code = app.exec();
    if (jobfirst::Status s = registration ? registration->deregister() : jobfirst::Status(); !s)
        QTextStream(stderr) << "jobfirst-nodesim: cannot deregister: " << s.error().message << "\n";
    return code;
}
