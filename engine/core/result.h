// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sentence.h"

#include <QString>

#include <optional>
#include <utility>

namespace jobfirst {

/// An error the caller must look at: a stable code for programs and a message for people.
struct Error
{
    QString code;    ///< machine-readable, e.g. "config.invalid", "node.duplicate"
    QString message; ///< names what is wrong, the offending value and why
    QString field = {}; ///< the input field at fault, when one is (API answers name it)
    /// The message with its values apart, for a front end to say in its own language; empty
    /// for an error made from a plain message.
    Sentence sentence = {};

    /// The sentence, or the message as one value where there is none: what a sentence that
    /// quotes this error ("%1: %2") takes as its reason.
    Sentence said() const { return sentence.isEmpty() ? Sentence(message) : sentence; }
};

/// Either a value or an Error. Accessing the wrong side is a programming error (asserts).
template <typename T>
class Result
{
public:
    /// An empty result is an error; it exists so results can travel through QFuture.
    Result() : m_error{QStringLiteral("result.empty"), QStringLiteral("no result")} {}
    Result(T value) : m_value(std::move(value)) {}
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { Q_ASSERT(ok()); return *m_value; }
    T &value() & { Q_ASSERT(ok()); return *m_value; }
    // By value, so `for (x : f().value())` does not dangle.
    T value() && { Q_ASSERT(ok()); return std::move(*m_value); }
    const T *operator->() const { return &value(); }
    const Error &error() const { Q_ASSERT(!ok()); return m_error; }

private:
    std::optional<T> m_value;
    Error m_error;
};

/// Success or an Error, for operations that return nothing.
class Status
{
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)) {}
    static Status success() { return {}; }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { Q_ASSERT(!ok()); return *m_error; }

private:
    std::optional<Error> m_error;
};

inline Error makeError(const QString &code, const QString &message)
{
    return Error{code, message};
}

/// An error whose message is `sentence` in English, the sentence kept for a front end.
inline Error makeError(const QString &code, const Sentence &sentence)
{
    return Error{code, sentence.english(), {}, sentence};
}

} // namespace jobfirst
