// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace jobfirst {

/// What is wrong with a node URL (NodeSpec::validateUrl refuses it), for a front end to say in
/// its own language: QUrl's errorString() is English, and names Qt's view of the fault
/// ("Invalid port or port number out of range"), not the operator's.
enum class UrlFault {
    None,
    Empty,
    TooLong,           ///< more than 2,048 bytes
    NoScheme,          ///< no "scheme://"
    UnsupportedScheme, ///< not http or https
    Spaces,            ///< white space inside it
    NoHost,
    BadHost,     ///< a character a host name or an IP address may not hold
    BadPort,     ///< not a number from 1 to 65535
    Credentials, ///< a user name or password in it
    Malformed,   ///< anything else QUrl refuses (a bad character in the path, say)
};

/// The first fault of `url` in the order the console checks them; None when it is accepted.
UrlFault nodeUrlFault(const QString &url);

} // namespace jobfirst
