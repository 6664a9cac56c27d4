// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

/// Where the programs under test and the source tree are, as this build made them. Only
/// testprograms.cpp knows the paths: a definition with an absolute path on every test's
/// command line made every test object a ccache miss in another checkout.
namespace TestPrograms {
QString nodesim();   ///< jobfirst-nodesim
QString ctl();       ///< jobfirstctl
QString daemon();    ///< jobfirstd
QString sourceDir(); ///< the project's source tree
} // namespace TestPrograms
