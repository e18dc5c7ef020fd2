// Not in main.swift: its globals are set up only when the program runs as a program, and the
// tests call `runCellTrace` without that.

/// Options that say whom, where or how much is disclosed or signed: given twice, the last would win
/// without a word (`--profile public … --profile auditor`), so twice is refused.
private let singleOptions: [String: String] = [
    "--profile": "--profile", "--recipient": "--recipient", "--as": "--as", "--key": "--key",
    "--ledger": "--ledger", "--vkey": "--vkey", "--output": "--output", "-o": "--output", "--as-of": "--as-of",
    "--origin": "--origin",
]

/// The first single option given more than once, with its values, before any `--`.
func repeatedSingleOption(_ arguments: [String]) -> (option: String, values: [String])? {
    var seen: [String: [String]] = [:]
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        if argument == "--" { break }
        let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
        if let option = singleOptions[name] {
            let value: String
            if name.count < argument.count {
                value = String(argument.dropFirst(name.count + 1))
            } else {
                value = index + 1 < arguments.count ? arguments[index + 1] : ""
                index += 1
            }
            seen[option, default: []].append(value)
            if let values = seen[option], values.count > 1 { return (option, values) }
        }
        index += 1
    }
    return nil
}
