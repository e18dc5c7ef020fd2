/// A plain text table for terminal output: columns padded to their widest cell, in terminal columns
/// (a Chinese character takes two), the header in bold on a terminal.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) {
        self.header = header
    }

    init(_ header: [String]) {
        self.header = header
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    var rendered: String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Self.width(of: cell))
            }
        }
        let lines = all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1
                    ? cell : cell + String(repeating: " ", count: widths[index] - Self.width(of: cell))
            }.joined(separator: "  ")
        }.map { line in
            // Empty last cells leave no trailing blanks.
            String(line[..<(line.lastIndex { $0 != " " }.map(line.index(after:)) ?? line.startIndex)])
        }
        // The header in bold on a terminal (after padding, so the escape codes take no width).
        return ([Console.styled(lines[0], .bold)] + lines.dropFirst()).joined(separator: "\n")
    }
}
