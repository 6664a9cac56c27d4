// SPDX-License-Identifier: GPL-3.0-or-later
// The engine says English; the console says each of its sentences in its own language, with
// the values (a node's id, a key, a line number) kept. Every sentence the engine's sources
// mark is found here by lupdate itself, so a new one without a Chinese translation fails.
#include "core/result.h"
#include "pages/page.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTranslator>
#include <QXmlStreamReader>
#include <QtTest>

using namespace jobfirst;

class TestEngineSentences final : public QObject
{
    Q_OBJECT

    QTranslator m_chinese;

    /// The wordings lupdate finds in the engine's and jobfirstd's sources now, under
    /// "EngineSentence" (jobfirstd's refusals of a token reach a remote console).
    static QStringList engineWordings()
    {
        QTemporaryDir dir;
        const QString ts = dir.filePath(QStringLiteral("engine.ts"));
        QProcess lupdate;
        lupdate.start(QStringLiteral(LUPDATE),
                      {QStringLiteral("-silent"), QStringLiteral("-no-obsolete"),
                       QStringLiteral("-locations"), QStringLiteral("none"),
                       QStringLiteral(ENGINE_SOURCES), QStringLiteral(SERVER_SOURCES),
                       QStringLiteral("-ts"), ts});
        if (!lupdate.waitForFinished(120000) || lupdate.exitCode() != 0)
            return {};
        QFile f(ts);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        QStringList wordings;
        QXmlStreamReader xml(&f);
        QString context;
        while (xml.readNextStartElement() || !xml.atEnd()) {
            if (!xml.isStartElement())
                continue;
            if (xml.name() == u"name")
                context = xml.readElementText();
            else if (xml.name() == u"source" && context == u"EngineSentence")
                wordings << xml.readElementText();
        }
        return wordings;
    }

    static QStringList places(const QString &text)
    {
        static const QRegularExpression place(QStringLiteral("%\\d"));
        QStringList found;
        for (const QRegularExpressionMatch &m : place.globalMatch(text))
            found << m.captured();
        found.sort();
        return found;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_chinese.load(QStringLiteral(":/i18n/jobfirst_zh_CN.qm")));
        QCoreApplication::installTranslator(&m_chinese);
    }

    // A refusal the console has no Chinese for is said in English in a Chinese console: each
    // sentence the engine marks has a translation, which keeps every value's place.
    void everySentenceTheEngineSaysHasAChineseTranslation()
    {
        const QStringList wordings = engineWordings();
        QVERIFY2(wordings.size() > 50, qPrintable(QString::number(wordings.size())));
        QStringList untranslated;
        for (const QString &wording : wordings) {
            const QString chinese = m_chinese.translate("EngineSentence", wording.toUtf8());
            if (chinese.isEmpty() || chinese == wording || places(chinese) != places(wording))
                untranslated << wording;
        }
        QVERIFY2(untranslated.isEmpty(), qPrintable(untranslated.join(u'\n')));
    }

    void theValuesAreKeptAndTheEnglishStaysForScripts()
    {
        // A value is never read as a place for another ("%1" in a node's id).
        const Error e = makeError(
            QStringLiteral("node.unknown"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "there is no node \"%1\""), {QStringLiteral("n%1x")}));
        QCOMPARE(e.message, QStringLiteral("there is no node \"n%1x\""));
        QCOMPARE(ui::errorMessage(e), QStringLiteral("没有节点“n%1x”"));
        // A sentence inside a sentence: the path as it is, the reason in Chinese.
        const Error nested = makeError(
            QStringLiteral("config.unknown_key"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "%1: %2"),
                     {QStringLiteral("/etc/c.json"),
                      Sentence(QT_TRANSLATE_NOOP("EngineSentence", "key '%1' is not a known setting"),
                               {QStringLiteral("max_nodez")})}));
        QCOMPARE(nested.message, QStringLiteral("/etc/c.json: key 'max_nodez' is not a known setting"));
        QCOMPARE(ui::errorMessage(nested), QStringLiteral("/etc/c.json：键“max_nodez”不是已知的设置"));
    }

    void aWordingWithoutTranslationOrAnErrorWithoutSentenceIsSaidAsItCame()
    {
        const Error unknown = makeError(QStringLiteral("x.y"),
                                        Sentence("no one translated %1", {QStringLiteral("v")}));
        QCOMPARE(ui::errorMessage(unknown), QStringLiteral("no one translated v"));
        const Error plain = makeError(QStringLiteral("x.y"), QStringLiteral("plain words"));
        QCOMPARE(ui::errorMessage(plain), QStringLiteral("plain words"));
    }

    // A remote console reads the sentence from the API's answer; what it cannot read is none.
    void aSentenceTravelsAsJson()
    {
        const Sentence s(QT_TRANSLATE_NOOP("EngineSentence", "%1%2: \"%3\" %4"),
                         {Sentence(QT_TRANSLATE_NOOP("EngineSentence", "node %1: "), {QStringLiteral("dn2")}),
                          QStringLiteral("ca_file"), QStringLiteral("/nope.pem"),
                          Sentence(QT_TRANSLATE_NOOP("EngineSentence", "does not exist"))});
        const Sentence back = Sentence::fromJson(s.toJson());
        QCOMPARE(back.english(), QStringLiteral("node dn2: ca_file: \"/nope.pem\" does not exist"));
        QCOMPARE(ui::errorMessage(makeError(QStringLiteral("node.invalid_tls"), back)),
                 QStringLiteral("节点 dn2：ca_file：“/nope.pem”不存在"));
        QJsonValue deep = QStringLiteral("v");
        for (int i = 0; i < 20; ++i)
            deep = QJsonObject{{QStringLiteral("wording"), QStringLiteral("%1")},
                               {QStringLiteral("values"), QJsonArray{deep}}};
        QVERIFY(Sentence::fromJson(deep).isEmpty());
        QVERIFY(Sentence::fromJson(QJsonObject{}).isEmpty());
    }
};

QTEST_MAIN(TestEngineSentences)
#include "tst_enginesentences.moc"
