// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLabel>

namespace jobfirst::ui {

/// One line of text in whatever width the layout gives it: cut with "…" where it does not
/// fit, whole in its tooltip. QLabel clips such a line at its edge without a sign that more
/// was there (the status bar's messages, walk29). text() is what is shown.
class ElidedLabel final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ElidedLabel)

public:
    explicit ElidedLabel(QWidget *parent = nullptr);
    /// Shows `text`, elided to the label's width; the whole in the tooltip.
    void setFullText(const QString &text);
    QString fullText() const { return m_fullText; }

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void elide();

    QString m_fullText;
};

} // namespace jobfirst::ui
