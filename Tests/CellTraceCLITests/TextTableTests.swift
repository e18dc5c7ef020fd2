import Testing

@testable import CellTraceCLI

/// Text tables padded in terminal columns, not characters.
@Suite struct TextTableTests {
    @Test(
        arguments: [
            ("CATL", 4), ("宁德时代", 8), ("한국전지", 8), ("リチウム", 8), ("ｃｅｌｌ", 8), ("￥", 2),
            ("Müller", 6), ("Mu\u{308}ller", 6), ("a\u{200D}b", 2), ("(none valid)", 12),
        ]
    )
    func widthCountsWideCharactersTwiceAndMarksNever(text: String, columns: Int) {
        #expect(TextTable.width(of: text) == columns)
    }

    @Test func wideCellsArePaddedToTheSameColumn() {
        var table = TextTable("NAME", "ROLE")
        table.add("宁德时代", "cell-maker")
        table.add("LG에너지솔루션", "cell-maker")
        table.add("Umicore", "refiner")
        // Captured, as a command's output is, so that the header is not in bold on a terminal.
        var rendered = ""
        _ = Console.capture { rendered = table.rendered }
        #expect(
            rendered == """
                NAME            ROLE
                宁德时代        cell-maker
                LG에너지솔루션  cell-maker
                Umicore         refiner
                """
        )
    }
}
