<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Reason</name>
    <message numerus="yes">
        <source>%1 (%Ln checks failed in a row)</source>
        <translation>
            <numerusform>%1 (%Ln check failed)</numerusform>
            <numerusform>%1 (%Ln checks failed in a row)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 (%Ln checks failed in a row; checked at once because %2)</source>
        <translation>
            <numerusform>%1 (%Ln check failed; checked at once because %2)</numerusform>
            <numerusform>%1 (%Ln checks failed in a row; checked at once because %2)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>ok (%Ln checks passed in a row)</source>
        <translation>
            <numerusform>ok (%Ln check passed)</numerusform>
            <numerusform>ok (%Ln checks passed in a row)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::AlertsPage</name>
    <message numerus="yes">
        <source>%Ln incident(s) open. Each incident is one row: raised once, counted while it lasts, resolved when its condition ends.</source>
        <translation>
            <numerusform>%Ln incident open. Each incident is one row: raised once, counted while it lasts, resolved when its condition ends.</numerusform>
            <numerusform>%Ln incidents open. Each incident is one row: raised once, counted while it lasts, resolved when its condition ends.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Target %1 has %Ln dead letter(s) waiting to be retried or discarded</source>
        <translation>
            <numerusform>Target %1 has %Ln dead letter waiting to be retried or discarded</numerusform>
            <numerusform>Target %1 has %Ln dead letters waiting to be retried or discarded</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::AuditPage</name>
    <message numerus="yes">
        <source>Audit chain verifies: %Ln entries, none changed, removed or cut.</source>
        <translation>
            <numerusform>Audit chain verifies: %Ln entry, not changed, removed or cut.</numerusform>
            <numerusform>Audit chain verifies: %Ln entries, none changed, removed or cut.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln deliveries queued again</source>
        <translation>
            <numerusform>%Ln delivery queued again</numerusform>
            <numerusform>%Ln deliveries queued again</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln key(s) changed:</source>
        <translation>
            <numerusform>%Ln key changed:</numerusform>
            <numerusform>%Ln keys changed:</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::BalancingPage</name>
    <message numerus="yes">
        <source>%1 and %Ln more</source>
        <translation>
            <numerusform>%1 and %Ln more</numerusform>
            <numerusform>%1 and %Ln more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Run at %1 over %Ln node(s): %2.</source>
        <translation>
            <numerusform>Run at %1 over %Ln node: %2.</numerusform>
            <numerusform>Run at %1 over %Ln nodes: %2.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::DaemonsPage</name>
    <message numerus="yes">
        <source>%Ln: %1</source>
        <translation>
            <numerusform>%Ln: %1</numerusform>
            <numerusform>%Ln: %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln engine(s) on this store.</source>
        <translation>
            <numerusform>%Ln engine on this store.</numerusform>
            <numerusform>%Ln engines on this store.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln engine(s) on this store; not heard from: %1 late, %2 gone.</source>
        <translation>
            <numerusform>%Ln engine on this store; not heard from: %1 late, %2 gone.</numerusform>
            <numerusform>%Ln engines on this store; not heard from: %1 late, %2 gone.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::LogsPage</name>
    <message numerus="yes">
        <source>%Ln line(s), newest first.</source>
        <translation>
            <numerusform>%Ln line, newest first.</numerusform>
            <numerusform>%Ln lines, newest first.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s) written to %1.</source>
        <translation>
            <numerusform>%Ln line written to %1.</numerusform>
            <numerusform>%Ln lines written to %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln delivery(ies) to %1 became dead letters: %2</source>
        <translation>
            <numerusform>%Ln delivery to %1 became a dead letter: %2</numerusform>
            <numerusform>%Ln deliveries to %1 became dead letters: %2</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Health checks follow %Ln partition(s) here (were %1): %2</source>
        <translation>
            <numerusform>Health checks follow %Ln partition here (were %1): %2</numerusform>
            <numerusform>Health checks follow %Ln partitions here (were %1): %2</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::MainWindow</name>
    <message numerus="yes">
        <source>Connection to the engine at %1 lost at %3. Reconnecting: %n attempt(s) failed, the latest with: %2. Next attempt at %4. What is on screen is from before the connection was lost and is not live.</source>
        <translation>
            <numerusform>Connection to the engine at %1 lost at %3. Reconnecting: %n attempt failed, with: %2. Next attempt at %4. What is on screen is from before the connection was lost and is not live.</numerusform>
            <numerusform>Connection to the engine at %1 lost at %3. Reconnecting: %n attempts failed, the latest with: %2. Next attempt at %4. What is on screen is from before the connection was lost and is not live.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::SloPanel</name>
    <message numerus="yes">
        <source>%Ln day(s)</source>
        <translation>
            <numerusform>%Ln day</numerusform>
            <numerusform>%Ln days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln hour(s)</source>
        <translation>
            <numerusform>%Ln hour</numerusform>
            <numerusform>%Ln hours</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::SyncPage</name>
    <message numerus="yes">
        <source>Import cancelled after %Ln user(s); start it again to resume.</source>
        <translation>
            <numerusform>Import cancelled after %Ln user; start it again to resume.</numerusform>
            <numerusform>Import cancelled after %Ln users; start it again to resume.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %Ln user(s) (%1).</source>
        <translation>
            <numerusform>Imported %Ln user (%1).</numerusform>
            <numerusform>Imported %Ln users (%1).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s)</source>
        <translation>
            <numerusform>%Ln line</numerusform>
            <numerusform>%Ln lines</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln users (bulk)</source>
        <translation>
            <numerusform>%Ln user (bulk)</numerusform>
            <numerusform>%Ln users (bulk)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Discard %Ln dead letter(s)? They will not be delivered; the audit log keeps who discarded them.</source>
        <translation>
            <numerusform>Discard %Ln dead letter? It will not be delivered; the audit log keeps who discarded it.</numerusform>
            <numerusform>Discard %Ln dead letters? They will not be delivered; the audit log keeps who discarded them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln dead letter(s) discarded.</source>
        <translation>
            <numerusform>%Ln dead letter discarded.</numerusform>
            <numerusform>%Ln dead letters discarded.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln dead letter(s) queued again.</source>
        <translation>
            <numerusform>%Ln dead letter queued again.</numerusform>
            <numerusform>%Ln dead letters queued again.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln dead letters selected: select one to see its attempts and payload.</source>
        <translation>
            <numerusform>%Ln dead letter selected: select one to see its attempts and payload.</numerusform>
            <numerusform>%Ln dead letters selected: select one to see its attempts and payload.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s) were not users; the first: %1</source>
        <translation>
            <numerusform>%Ln line was not a user; the first: %1</numerusform>
            <numerusform>%Ln lines were not users; the first: %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Replay %Ln dead letter(s) that failed between %1 and %2 to %3? They are sent again now; the audit log keeps who replayed them.</source>
        <translation>
            <numerusform>Replay %Ln dead letter that failed between %1 and %2 to %3? It is sent again now; the audit log keeps who replayed it.</numerusform>
            <numerusform>Replay %Ln dead letters that failed between %1 and %2 to %3? They are sent again now; the audit log keeps who replayed them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Replay at least %Ln dead letter(s) that failed between %1 and %2 to %3 (the list shows the newest %4 only)? They are sent again now; the audit log keeps who replayed them.</source>
        <translation>
            <numerusform>Replay at least %Ln dead letter that failed between %1 and %2 to %3 (the list shows the newest %4 only)? They are sent again now; the audit log keeps who replayed them.</numerusform>
            <numerusform>Replay at least %Ln dead letters that failed between %1 and %2 to %3 (the list shows the newest %4 only)? They are sent again now; the audit log keeps who replayed them.</numerusform>
        </translation>
    </message>
</context>
</TS>
