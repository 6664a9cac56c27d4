// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/jobcontrol.h"

namespace jobfirst {

void JobControl::report(double fraction, const ImportProgress &detail)
{
    // Queued to the control's own thread: the work never waits on its receiver.
    QMetaObject::invokeMethod(
        this, [this, fraction, detail] { emit progressed(fraction, detail); }, Qt::QueuedConnection);
}

} // namespace jobfirst
