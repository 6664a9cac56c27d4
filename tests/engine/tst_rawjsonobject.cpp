// SPDX-License-Identifier: GPL-3.0-or-later
// RawJsonObject: what it accepts, QJsonDocument reads as the same data (so a bulk import can
// store the text as written); what it refuses, it refuses whole, for QJsonDocument to read.
#include "sync/rawjsonobject.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace jobfirst;

namespace {

QJsonObject qtObject(const QByteArray &text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    return error.error == QJsonParseError::NoError ? doc.object() : QJsonObject();
}

QByteArray nested(int depth)
{
    QByteArray text;
    for (int i = 0; i < depth - 1; ++i)
        text += "{\"a\":";
    text += "{}";
    for (int i = 0; i < depth - 1; ++i)
        text += '}';
    return text;
}

QByteArray members(int count)
{
    QByteArray text = "{";
    for (int i = 0; i < count; ++i)
        text += (i ? ",\"k" : "\"k") + QByteArray::number(i) + "\":" + QByteArray::number(i);
    return text + '}';
}

} // namespace

class TestRawJsonObject final : public QObject
{
    Q_OBJECT

private slots:
    void acceptedTextIsReadByQtAsTheSameData_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("user record")
            << QByteArray("{\"id\":\"u1\",\"username\":\"user1\",\"email\":\"user1@jobfirst.cn\","
                          "\"role\":\"job_seeker\"}");
        QTest::newRow("spaced") << QByteArray(
            "{ \"id\" : \"1\",\t\"name\": \"a b\" ,\r\n\"n\": 2 }");
        QTest::newRow("integer id") << QByteArray("{\"id\":123456789012345,\"x\":-7}");
        QTest::newRow("negative id") << QByteArray("{\"id\":-42}");
        QTest::newRow("every kind of value")
            << QByteArray("{\"id\":\"1\",\"t\":true,\"f\":false,\"z\":null,\"d\":-0.25,\"a\":[1,"
                          "\"x\",[],{}],\"o\":{\"p\":{\"q\":[]}}}");
        QTest::newRow("escapes in values")
            << QByteArray("{\"id\":\"e\",\"s\":\"quote \\\" slash \\/ back \\\\ \\b\\f\\n\\r\\t "
                          "\\u00e9 \\u4e2d\"}");
        QTest::newRow("UTF-8") << QByteArray(
            "{\"id\":\"\xe5\xbc\xa0\xe4\xb8\x89\",\"e\":\"\xf0\x9f\x98\x80\"}");
        QTest::newRow("empty") << QByteArray("{}");
        QTest::newRow("32 levels") << nested(RawJsonObject::MaxDepth);
        QTest::newRow("64 members") << members(RawJsonObject::MaxMembers);
        QTest::newRow("15 digits") << QByteArray("{\"id\":\"1\",\"n\":1234567.12345678}");
    }
    void acceptedTextIsReadByQtAsTheSameData()
    {
        QFETCH(QByteArray, text);
        const auto o = RawJsonObject::read(text);
        QVERIFY(o);
        const QJsonObject expected = qtObject(text);
        QCOMPARE(qtObject(RawJsonObject::compacted(text)), expected);
        QCOMPARE(o->members().size(), expected.size());
        for (const RawJsonObject::Member &m : o->members()) {
            const QString key = QString::fromUtf8(m.key);
            QVERIFY(expected.contains(key));
            QCOMPARE(qtObject("{\"v\":" + m.value.toByteArray() + "}").value(u"v"),
                     expected.value(key));
        }
        if (const auto id = RawJsonObject::plainText(o->value("id")))
            QCOMPARE(*id, expected.value(u"id").toVariant().toString());
        QCOMPARE(o->spaced(), RawJsonObject::compacted(text) != text);
    }

    void refusedWhole_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("not JSON") << QByteArray("{not json");
        QTest::newRow("an array") << QByteArray("[1]");
        QTest::newRow("nothing") << QByteArray();
        QTest::newRow("unclosed") << QByteArray("{\"id\":\"1\"");
        QTest::newRow("garbage after") << QByteArray("{\"id\":\"1\"} x");
        QTest::newRow("trailing comma") << QByteArray("{\"id\":\"1\",}");
        QTest::newRow("missing value") << QByteArray("{\"id\":}");
        QTest::newRow("leading zero") << QByteArray("{\"n\":01}");
        QTest::newRow("bare fraction") << QByteArray("{\"n\":1.}");
        QTest::newRow("duplicate key") << QByteArray("{\"id\":\"1\",\"id\":\"2\"}");
        QTest::newRow("duplicate nested key") << QByteArray("{\"o\":{\"a\":1,\"a\":2}}");
        QTest::newRow("escaped key") << QByteArray("{\"id\":\"1\",\"\\u0069d\":\"2\"}");
        QTest::newRow("exponent") << QByteArray("{\"n\":1e2}");
        QTest::newRow("16 digits") << QByteArray("{\"n\":1234567890123456}");
        QTest::newRow("lone surrogate") << QByteArray("{\"s\":\"\\ud800\"}");
        QTest::newRow("bad escape") << QByteArray("{\"s\":\"\\x\"}");
        QTest::newRow("short \\u") << QByteArray("{\"s\":\"\\u12\"}");
        QTest::newRow("raw control character") << QByteArray("{\"s\":\"a\x01\"}");
        QTest::newRow("overlong UTF-8") << QByteArray("{\"s\":\"\xc0\x80\"}");
        QTest::newRow("UTF-8 surrogate") << QByteArray("{\"s\":\"\xed\xa0\x80\"}");
        QTest::newRow("above U+10FFFF") << QByteArray("{\"s\":\"\xf4\x90\x80\x80\"}");
        QTest::newRow("cut UTF-8") << QByteArray("{\"s\":\"\xe5\xbc\"}");
        QTest::newRow("bad literal") << QByteArray("{\"b\":tru}");
        QTest::newRow("33 levels") << nested(RawJsonObject::MaxDepth + 1);
        QTest::newRow("65 members") << members(RawJsonObject::MaxMembers + 1);
    }
    void refusedWhole()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!RawJsonObject::read(text));
    }

    void plainTextIsWhatQtGivesOrNothing()
    {
        QCOMPARE(RawJsonObject::plainText("\"u1\""), QStringLiteral("u1"));
        QCOMPARE(RawJsonObject::plainText("\"\""), QString());
        QCOMPARE(RawJsonObject::plainText("17"), QStringLiteral("17"));
        QCOMPARE(RawJsonObject::plainText("-17"), QStringLiteral("-17"));
        QVERIFY(!RawJsonObject::plainText("\"a\\\"b\""));
        QVERIFY(!RawJsonObject::plainText("-0"));
        QVERIFY(!RawJsonObject::plainText("1.5"));
        QVERIFY(!RawJsonObject::plainText("true"));
        QVERIFY(!RawJsonObject::plainText("null"));
        QVERIFY(!RawJsonObject::plainText({}));
    }
};

QTEST_GUILESS_MAIN(TestRawJsonObject)
#include "tst_rawjsonobject.moc"
