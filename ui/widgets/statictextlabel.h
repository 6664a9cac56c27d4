// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLabel>
#include <QTextLayout>

#include <optional>

namespace jobfirst::ui {

/// A label for a figure that is repainted far more often than it changes (the Overview's
/// cards): one line of plain text is laid out (itemized, shaped) once per text and font and
/// kept, where QLabel lays it out anew on every paint; it is then drawn as QLabel draws it, to
/// the pixel. Anything else (rich text, word wrap, an indent, a pixmap, a mnemonic, selectable
/// text, right to left) is painted by QLabel itself.
class StaticTextLabel final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StaticTextLabel)

public:
    explicit StaticTextLabel(const QString &text = QString(), QWidget *parent = nullptr);
    /// How many times the text was laid out (for the tests: once per text and font).
    int layouts() const { return m_layouts; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    /// One line of plain text, which QLabel would draw with QStyle::drawItemText.
    bool isPlainLine() const;

    std::optional<QTextLayout> m_layout;
    QString m_laidOutText;
    QFont m_laidOutFont;
    int m_layouts = 0;
};

} // namespace jobfirst::ui
