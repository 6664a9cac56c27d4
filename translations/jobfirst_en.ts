<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Reason</name>
    <message numerus="yes">
        <source>%1 (%n checks failed in a row)</source>
        <translation>
            <numerusform>%1 (%n check failed)</numerusform>
            <numerusform>%1 (%n checks failed in a row)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n checks failed in a row; checked at once because %2)</source>
        <translation>
            <numerusform>%1 (%n check failed; checked at once because %2)</numerusform>
            <numerusform>%1 (%n checks failed in a row; checked at once because %2)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>ok (%n checks passed in a row)</source>
        <translation>
            <numerusform>ok (%n check passed)</numerusform>
            <numerusform>ok (%n checks passed in a row)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::AlertsPage</name>
    <message numerus="yes">
        <source>%n incident(s) open. Each incident is one row: raised once, counted while it lasts, resolved when its condition ends.</source>
        <translation>
            <numerusform>%n incident open. Each incident is one row: raised once, counted while it lasts, resolved when its condition ends.</numerusform>
            <numerusform>%n incidents open. Each incident is one row: raised once, counted while it lasts, resolved when its condition ends.</numerusform>
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
        <source>Audit chain verifies: %n entries, none changed, removed or cut.</source>
        <translation>
            <numerusform>Audit chain verifies: %n entry, not changed, removed or cut.</numerusform>
            <numerusform>Audit chain verifies: %n entries, none changed, removed or cut.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n deliveries queued again</source>
        <translation>
            <numerusform>%n delivery queued again</numerusform>
            <numerusform>%n deliveries queued again</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::DaemonsPage</name>
    <message numerus="yes">
        <source>%n: %1</source>
        <translation>
            <numerusform>%n: %1</numerusform>
            <numerusform>%n: %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n engine(s) on this store; %1 with a late heartbeat.</source>
        <translation>
            <numerusform>%n engine on this store; %1 with a late heartbeat.</numerusform>
            <numerusform>%n engines on this store; %1 with a late heartbeat.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n engine(s) on this store.</source>
        <translation>
            <numerusform>%n engine on this store.</numerusform>
            <numerusform>%n engines on this store.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::LogsPage</name>
    <message numerus="yes">
        <source>%n line(s), newest first.</source>
        <translation>
            <numerusform>%n line, newest first.</numerusform>
            <numerusform>%n lines, newest first.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) written to %1.</source>
        <translation>
            <numerusform>%n line written to %1.</numerusform>
            <numerusform>%n lines written to %1.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::SloPanel</name>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n day</numerusform>
            <numerusform>%n days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation>
            <numerusform>%n hour</numerusform>
            <numerusform>%n hours</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>jobfirst::ui::SyncPage</name>
    <message numerus="yes">
        <source>%n users (bulk)</source>
        <translation>
            <numerusform>%n user (bulk)</numerusform>
            <numerusform>%n users (bulk)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Discard %n dead letter(s)? They will not be delivered; the audit log keeps who discarded them.</source>
        <translation>
            <numerusform>Discard %n dead letter? It will not be delivered; the audit log keeps who discarded it.</numerusform>
            <numerusform>Discard %n dead letters? They will not be delivered; the audit log keeps who discarded them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n dead letter(s) discarded.</source>
        <translation>
            <numerusform>%n dead letter discarded.</numerusform>
            <numerusform>%n dead letters discarded.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n dead letter(s) queued again.</source>
        <translation>
            <numerusform>%n dead letter queued again.</numerusform>
            <numerusform>%n dead letters queued again.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n dead letters selected: select one to see its attempts and payload.</source>
        <translation>
            <numerusform>%n dead letter selected: select one to see its attempts and payload.</numerusform>
            <numerusform>%n dead letters selected: select one to see its attempts and payload.</numerusform>
        </translation>
    </message>
</context>
</TS>
