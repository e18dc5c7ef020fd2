extension TextTable {
    /// The number of terminal columns `text` takes: the sum of its scalars' widths.
    ///
    /// A cell is padded to this width, not to its character count, so that a name in Chinese,
    /// Japanese or Korean (two columns a character) keeps the columns after it aligned.
    ///
    /// ```swift
    /// TextTable.width(of: "CATL")  // 4
    /// TextTable.width(of: "宁德时代")  // 8
    /// ```
    static func width(of text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + width(of: $1) }
    }

    /// The number of terminal columns one scalar takes, as `wcwidth` gives it for printable text:
    /// 0 for combining marks and zero-width format characters, 2 for East Asian Wide and Fullwidth
    /// characters and emoji shown as pictures, 1 for everything else.
    static func width(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x300 { return 1 }  // Latin, the common case, without a look-up.
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        default: break
        }
        if zeroWidth.contains(where: { $0.contains(value) }) { return 0 }
        if wide.contains(where: { $0.contains(value) }) || scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// Scalars that take no column though they are not marks: Hangul medial vowels and final
    /// consonants (they join the initial before them), zero-width space, non-joiner, joiner and the
    /// direction marks, the word joiner and invisible operators, and the byte order mark.
    private static let zeroWidth: [ClosedRange<UInt32>] = [
        0x1160...0x11FF, 0x200B...0x200F, 0x2060...0x2064, 0xD7B0...0xD7FF, 0xFEFF...0xFEFF,
    ]

    /// The East Asian Wide and Fullwidth blocks (Unicode Standard Annex #11).
    private static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul Jamo initial consonants
        0x2329...0x232A,  // angle brackets
        0x2E80...0x303E,  // CJK radicals, Kangxi radicals, ideographic description, CJK symbols and punctuation
        0x3041...0x33FF,  // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK compatibility
        0x3400...0x4DBF,  // CJK Unified Ideographs Extension A
        0x4E00...0x9FFF,  // CJK Unified Ideographs
        0xA000...0xA4CF,  // Yi
        0xA960...0xA97F,  // Hangul Jamo Extended-A
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK Compatibility Ideographs
        0xFE10...0xFE19,  // vertical forms
        0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
        0xFF00...0xFF60,  // full-width forms
        0xFFE0...0xFFE6,  // full-width signs
        0x16FE0...0x18AFF,  // ideographic symbols, Tangut
        0x1B000...0x1B2FF,  // Kana supplement and extensions, Nüshu
        0x1F200...0x1F2FF,  // enclosed ideographic supplement
        0x20000...0x2FFFD,  // CJK Unified Ideographs Extensions B–F, compatibility supplement
        0x30000...0x3FFFD,  // CJK Unified Ideographs Extensions G and H
    ]
}
