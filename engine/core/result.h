// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

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

} // namespace jobfirst
