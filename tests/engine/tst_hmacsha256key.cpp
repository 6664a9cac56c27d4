// SPDX-License-Identifier: GPL-3.0-or-later
// HmacSha256Key alone: RFC 4231's vectors, and the same MAC as OpenSSL's own HMAC() for keys
// and messages of every length around SHA-256's 64-byte block, whatever way the message is cut.
#include "sync/hmacsha256key.h"

#include <QRandomGenerator>
#include <QtTest>

#include <openssl/evp.h>
#include <openssl/hmac.h>

using namespace jobfirst;

namespace {

QByteArray hex(const HmacSha256Key::Mac &mac)
{
    return QByteArray(reinterpret_cast<const char *>(mac.data()), int(mac.size())).toHex();
}

QByteArray openssl(const QByteArray &key, const QByteArray &message)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.constData(), int(key.size()),
         reinterpret_cast<const unsigned char *>(message.constData()), std::size_t(message.size()),
         out, &n);
    return QByteArray(reinterpret_cast<const char *>(out), int(n)).toHex();
}

QByteArray randomBytes(int n)
{
    QByteArray b(n, Qt::Uninitialized);
    for (char &c : b)
        c = char(QRandomGenerator::global()->bounded(256));
    return b;
}

} // namespace

class TestHmacSha256Key final : public QObject
{
    Q_OBJECT

private slots:
    void rfc4231Vectors_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("1: 20-byte key") << QByteArray(20, '\x0b') << QByteArray("Hi There")
                                        << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c"
                                                      "9833da726e9376c2e32cff7");
        QTest::newRow("2: short key")
            << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
            << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2"
                          "739839dec58b964ec3843");
        QTest::newRow("6: key longer than a block")
            << QByteArray(131, '\xaa')
            << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First")
            << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    void rfc4231Vectors()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, message);
        QFETCH(QByteArray, expected);
        const HmacSha256Key k(key);
        QCOMPARE(hex(k.mac({message})), expected);
        QCOMPARE(k.key(), key);
    }

    void sameAsOpenSslForEveryLengthAndCut()
    {
        for (int keyLength : {0, 1, 31, 32, 63, 64, 65, 200}) {
            const QByteArray key = randomBytes(keyLength);
            const HmacSha256Key k(key);
            for (int length = 0; length <= 300; length += 7) {
                const QByteArray message = randomBytes(length);
                const QByteArray expected = openssl(key, message);
                QCOMPARE(hex(k.mac({message})), expected);
                // Cut in three at places that fall inside and across blocks.
                const int a = length / 3, b = (2 * length) / 3;
                QCOMPARE(hex(k.mac({QByteArrayView(message).first(a),
                                    QByteArrayView(message).sliced(a, b - a),
                                    QByteArrayView(message).sliced(b)})),
                         expected);
            }
        }
    }

    void eachMessageStartsFromTheKeyAlone()
    {
        // A MAC must not carry anything of the previous one (the prepared states are copied).
        const HmacSha256Key k(QByteArray("key"));
        const QByteArray first = hex(k.mac({"message one"}));
        QCOMPARE(hex(k.mac({"message two"})), openssl("key", "message two"));
        QCOMPARE(hex(k.mac({"message one"})), first);
        QVERIFY(hex(HmacSha256Key(QByteArray("other")).mac({"message one"})) != first);
    }
};

QTEST_GUILESS_MAIN(TestHmacSha256Key)
#include "tst_hmacsha256key.moc"
