// SPDX-License-Identifier: GPL-3.0-or-later
#include "dialogs/nodedialog.h"

#include "api/enginesession.h"
#include "cluster/urlfault.h"
#include "core/urlpath.h"
#include "core/whenfinished.h"
#include "pages/page.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace jobfirst::ui {

namespace {

QLabel *errorLabel(const QString &name)
{
    auto *l = new QLabel;
    l->setObjectName(name);
    l->setStyleSheet(QStringLiteral("color: #c0392b;"));
    l->setWordWrap(true);
    l->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    // Room for two lines, kept while no error shows: an error that comes and goes does not
    // move the fields under the mouse.
    l->setFixedHeight(2 * l->fontMetrics().lineSpacing());
    QSizePolicy policy = l->sizePolicy();
    policy.setRetainSizeWhenHidden(true);
    l->setSizePolicy(policy);
    l->hide();
    return l;
}

// Translates the engine's validation reasons by error code; the engine's English message
// stays available as a tooltip for the details it names.
QString reasonFor(const Error &e)
{
    if (e.code == u"node.invalid_id")
        return NodeDialog::tr("Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
    if (e.code == u"node.invalid_health_path")
        return NodeDialog::tr("The health path must start with '/' and contain no spaces.");
    if (e.code == u"node.invalid_weight")
        return NodeDialog::tr("The weight must be a whole number from 1 to 256.");
    if (e.code == u"node.invalid_tag")
        return NodeDialog::tr("Tags are separated by commas and may not be empty.");
    return errorMessage(e);
}

/// A refused node URL in the console's words, by its fault: QUrl's own reason is English
/// ("Invalid port or port number out of range"), and it showed inside the Chinese message.
QString urlReason(const QString &url)
{
    switch (nodeUrlFault(url)) {
    case UrlFault::Empty:
        return NodeDialog::tr("Enter the node's URL, e.g. http://10.0.0.5:8080.");
    case UrlFault::TooLong:
        return NodeDialog::tr("The URL is longer than 2,048 bytes.");
    case UrlFault::NoScheme:
    case UrlFault::UnsupportedScheme:
        return NodeDialog::tr("The URL must start with http:// or https://.");
    case UrlFault::Spaces:
        return NodeDialog::tr("The URL contains a space: remove it (in a path, write it as %20).");
    case UrlFault::NoHost:
        return NodeDialog::tr("The URL has no host.");
    case UrlFault::BadHost:
        return NodeDialog::tr("The host is not a valid host name or IP address.");
    case UrlFault::BadPort:
        return NodeDialog::tr("The port must be a number from 1 to 65535.");
    case UrlFault::Credentials:
        return NodeDialog::tr("The URL holds a user name or password: use a token file or a "
                              "client certificate instead.");
    case UrlFault::Malformed:
    case UrlFault::None:
        break;
    }
    return NodeDialog::tr("The URL is malformed.");
}

/// `url`: the URL field's text, whose fault a node.invalid_url error is said by.
void showReason(QLabel *label, const std::optional<Error> &error, const QString &url = {})
{
    label->setText(!error                                 ? QString()
                   : error->code == u"node.invalid_url" ? urlReason(url)
                                                          : reasonFor(*error));
    label->setToolTip(error ? error->message : QString());
    label->setVisible(error.has_value());
}

} // namespace

NodeDialog::NodeDialog(EngineSession *session, const QStringList &existingIds, int maxNodes,
                       const std::optional<NodeSpec> &editing, QWidget *parent)
    : QDialog(parent), m_session(session), m_existingIds(existingIds), m_maxNodes(maxNodes),
      m_editing(editing.has_value()), m_id(new QLineEdit), m_url(new QLineEdit),
      m_healthPath(new QLineEdit(QStringLiteral("/health"))),
      m_weight(new QLineEdit(QStringLiteral("1"))), m_tags(new QLineEdit), m_caFile(new QLineEdit),
      m_clientCert(new QLineEdit), m_clientKey(new QLineEdit), m_tokenFile(new QLineEdit),
      m_tlsInsecure(new QCheckBox), m_insecureWarning(new QLabel),
      m_idError(errorLabel(QStringLiteral("idError"))),
      m_urlError(errorLabel(QStringLiteral("urlError"))),
      m_pathError(errorLabel(QStringLiteral("pathError"))),
      m_weightError(errorLabel(QStringLiteral("weightError"))),
      m_tagsError(errorLabel(QStringLiteral("tagsError"))),
      m_clusterError(errorLabel(QStringLiteral("clusterError"))),
      m_engineError(errorLabel(QStringLiteral("engineError"))), m_testResult(new QLabel),
      m_test(new QPushButton(tr("Test connection"))),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel))
{
    setWindowTitle(m_editing ? tr("Edit node") : tr("Add node"));
    nameFields();
    if (editing)
        showNode(*editing);
    QFormLayout *form = nodeForm();
    QGroupBox *tls = tlsGroup();
    auto *test = new QHBoxLayout;
    test->addWidget(m_test);
    test->addWidget(m_testResult, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(tls);
    layout->addWidget(m_clusterError);
    layout->addWidget(m_engineError);
    layout->addLayout(test);
    layout->addWidget(m_buttons);
    connectFields();
    validate();
    resize(520, sizeHint().height());
}

void NodeDialog::nameFields()
{
    m_id->setObjectName(QStringLiteral("id"));
    m_url->setObjectName(QStringLiteral("url"));
    m_healthPath->setObjectName(QStringLiteral("healthPath"));
    m_weight->setObjectName(QStringLiteral("weight"));
    m_tags->setObjectName(QStringLiteral("tags"));
    m_test->setObjectName(QStringLiteral("testConnection"));
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_url->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
    m_tags->setPlaceholderText(tr("e.g. beijing,primary"));
}

void NodeDialog::showNode(const NodeSpec &node)
{
    m_id->setText(node.id);
    m_id->setReadOnly(true);
    m_url->setText(node.url);
    m_healthPath->setText(node.healthPath);
    m_weight->setText(QString::number(node.weight));
    m_tags->setText(node.tags.join(u','));
    m_adminState = node.adminState;
    m_caFile->setText(node.caFile);
    m_clientCert->setText(node.clientCert);
    m_clientKey->setText(node.clientKey);
    m_tokenFile->setText(node.tokenFile);
    m_tlsInsecure->setChecked(node.tlsInsecure);
}

QFormLayout *NodeDialog::nodeForm()
{
    auto *form = new QFormLayout;
    auto addRow = [form](const QString &label, QWidget *field, QLabel *error) {
        auto *box = new QVBoxLayout;
        box->setSpacing(2);
        box->addWidget(field);
        box->addWidget(error);
        form->addRow(label, box);
    };
    addRow(tr("Node ID"), m_id, m_idError);
    addRow(tr("URL"), m_url, m_urlError);
    addRow(tr("Health path"), m_healthPath, m_pathError);
    addRow(tr("Weight (1-256)"), m_weight, m_weightError);
    addRow(tr("Tags"), m_tags, m_tagsError);
    return form;
}

QGroupBox *NodeDialog::tlsGroup()
{
    // TLS and authentication: files on the engine's machine; only their paths are kept.
    auto *tls = new QGroupBox(tr("TLS and authentication (files on the engine's machine)"));
    tls->setObjectName(QStringLiteral("tlsGroup"));
    auto *tlsForm = new QFormLayout(tls);
    const QList<std::pair<QLineEdit *, const char *>> files = {{m_caFile, "caFile"}, {m_clientCert, "clientCert"},
                                                               {m_clientKey, "clientKey"}, {m_tokenFile, "tokenFile"}};
    for (const auto &[field, name] : files) {
        field->setObjectName(QString::fromLatin1(name));
        field->setPlaceholderText(tr("path, optional"));
    }
    tlsForm->addRow(tr("CA certificates (PEM)"), m_caFile);
    tlsForm->addRow(tr("Client certificate (mTLS)"), m_clientCert);
    tlsForm->addRow(tr("Client key"), m_clientKey);
    tlsForm->addRow(tr("Bearer token file"), m_tokenFile);
    m_tlsInsecure->setObjectName(QStringLiteral("tlsInsecure"));
    m_tlsInsecure->setText(tr("Do not verify the node's certificate"));
    m_insecureWarning->setObjectName(QStringLiteral("insecureWarning"));
    m_insecureWarning->setText(tr("Insecure: anyone between the engine and this node can read and change its traffic."));
    m_insecureWarning->setStyleSheet(QStringLiteral("color: #c62828"));
    m_insecureWarning->setWordWrap(true);
    m_insecureWarning->setVisible(m_tlsInsecure->isChecked());
    connect(m_tlsInsecure, &QCheckBox::toggled, m_insecureWarning, &QLabel::setVisible);
    tlsForm->addRow(m_tlsInsecure);
    tlsForm->addRow(m_insecureWarning);
    return tls;
}

void NodeDialog::connectFields()
{
    for (QLineEdit *e : {m_id, m_url, m_healthPath, m_weight, m_tags}) {
        connect(e, &QLineEdit::textChanged, this, &NodeDialog::validate);
        // A field's error shows once the field was edited or left, not before.
        connect(e, &QLineEdit::textEdited, this, [this, e] {
            m_touched.insert(e);
            validate();
        });
        e->installEventFilter(this); // leaving it (Qt 6 sends editingFinished only after a change)
    }
    // A test result belongs to the URL it tested: another URL clears it.
    for (QLineEdit *e : {m_url, m_healthPath})
        connect(e, &QLineEdit::textChanged, this, [this] {
            ++m_testGeneration;
            m_testResult->clear();
        });
    // The engine's refusal was about the fields as they were: any change makes it old.
    for (QLineEdit *e : {m_id, m_url, m_healthPath, m_weight, m_tags, m_caFile, m_clientCert,
                         m_clientKey, m_tokenFile})
        connect(e, &QLineEdit::textChanged, m_engineError, &QLabel::hide);
    connect(m_tlsInsecure, &QCheckBox::toggled, m_engineError, &QLabel::hide);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &NodeDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_test, &QPushButton::clicked, this, &NodeDialog::testConnection);
}

bool NodeDialog::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::FocusOut) {
        if (auto *field = qobject_cast<QLineEdit *>(watched); field && !m_touched.contains(field)) {
            m_touched.insert(field);
            validate();
        }
    }
    return QDialog::eventFilter(watched, event);
}

NodeSpec NodeDialog::spec() const
{
    NodeSpec s;
    s.id = m_id->text().trimmed();
    s.url = m_url->text().trimmed();
    s.healthPath = m_healthPath->text().trimmed();
    bool ok = false;
    s.weight = m_weight->text().trimmed().toInt(&ok);
    if (!ok)
        s.weight = -1;
    s.tags = m_tags->text().split(u',', Qt::SkipEmptyParts);
    for (QString &t : s.tags)
        t = t.trimmed();
    s.adminState = m_adminState;
    s.caFile = m_caFile->text().trimmed();
    s.clientCert = m_clientCert->text().trimmed();
    s.clientKey = m_clientKey->text().trimmed();
    s.tokenFile = m_tokenFile->text().trimmed();
    s.tlsInsecure = m_tlsInsecure->isChecked();
    return s;
}

void NodeDialog::validate()
{
    const NodeSpec s = spec();
    const auto fieldError = [](NodeSpec probe) -> std::optional<Error> {
        if (Status st = probe.validate(); !st)
            return st.error();
        return std::nullopt;
    };
    NodeSpec idOnly{s.id, QStringLiteral("http://h")};
    std::optional<Error> idError = fieldError(idOnly);
    if (!idError && !m_editing && m_existingIds.contains(s.id))
        idError = Error{QStringLiteral("node.duplicate"), tr("A node with this ID already exists.")};
    NodeSpec urlOnly{QStringLiteral("x"), s.url};
    NodeSpec pathOnly{QStringLiteral("x"), QStringLiteral("http://h"), s.healthPath};
    NodeSpec weightOnly{QStringLiteral("x"), QStringLiteral("http://h")};
    weightOnly.weight = s.weight;
    NodeSpec tagsOnly{QStringLiteral("x"), QStringLiteral("http://h")};
    tagsOnly.tags = m_tags->text().isEmpty() ? QStringList() : m_tags->text().split(u',');
    const auto urlError = fieldError(urlOnly), pathError = fieldError(pathOnly), weightError = fieldError(weightOnly),
               tagsError = fieldError(tagsOnly);
    const auto shown = [this](QLineEdit *field, const std::optional<Error> &error) {
        return m_touched.contains(field) ? error : std::nullopt;
    };
    showReason(m_idError, shown(m_id, idError));
    showReason(m_urlError, shown(m_url, urlError), s.url);
    showReason(m_pathError, shown(m_healthPath, pathError));
    showReason(m_weightError, shown(m_weight, weightError));
    showReason(m_tagsError, shown(m_tags, tagsError));
    const bool full = !m_editing && m_existingIds.size() >= m_maxNodes;
    m_clusterError->setText(full ? tr("The cluster is full: max_nodes is %1. Remove a node or raise max_nodes first.").arg(m_maxNodes)
                                 : QString());
    m_clusterError->setVisible(full);
    m_valid = !idError && !urlError && !pathError && !weightError && !tagsError && !full;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid && !m_submitting);
    m_test->setEnabled(!urlError && !pathError);
}

void NodeDialog::submit()
{
    if (!m_valid || m_submitting)
        return;
    m_submitting = true;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    m_engineError->hide();
    // The dialog closed at once, and a node the engine refused was a red line in the status
    // bar with everything typed gone (walk34).
    const NodeSpec node = spec();
    whenFinished(m_editing ? m_session->editNode(node) : m_session->addNode(node), this,
                 [this](const Result<NodeStatus> &answer) {
                     m_submitting = false;
                     if (answer) {
                         accept();
                         return;
                     }
                     m_engineError->setText(
                         (m_editing ? tr("Not changed: %1") : tr("Not added: %1"))
                             .arg(errorMessage(answer.error())));
                     m_engineError->setToolTip(errorMessage(answer.error()));
                     m_engineError->show();
                     validate();
                 });
}

void NodeDialog::testConnection()
{
    const NodeSpec s = spec();
    const QUrl url = joinUrlPath(s.url, s.healthPath);
    m_test->setEnabled(false);
    m_testResult->setText(tr("Checking %1 …").arg(url.toString()));
    const int generation = ++m_testGeneration;
    whenFinished(
        m_session->probe(url), this, [this, generation](const Result<CheckResult> &probed) {
            validate(); // enables Test connection again if the URL is still testable
            if (generation != m_testGeneration)
                return; // the URL changed while it was tested: the answer is about another URL
            if (!probed) {
                m_testResult->setStyleSheet(QStringLiteral("color: #c0392b;"));
                m_testResult->setText(tr("Failed: %1").arg(errorMessage(probed.error())));
                return;
            }
            const CheckResult &r = probed.value();
            const bool ok = r.outcome == CheckOutcome::Ok;
            m_testResult->setStyleSheet(ok ? QStringLiteral("color: #1e8449;")
                                           : QStringLiteral("color: #c0392b;"));
            m_testResult->setText(ok ? tr("Healthy (%1 ms)").arg(r.latencyMs, 0, 'f', 1)
                                     : tr("Failed: %1").arg(r.detail));
        });
}

} // namespace jobfirst::ui
