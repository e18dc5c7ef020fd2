import ArgumentParser
// Linked for its malloc, which replaces glibc's for the whole process: an import spends about a
// tenth less CPU per event with it (Docs/PERFORMANCE.md, the twelfth round). Nothing is called.
import CJemalloc
import Carbon
import Exports
import LedgerCore
import Provenance
import SupplyChain

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `celltrace` with the project's exit statuses (0 ok, 1 verification failed, 2 bad usage or
/// input, 3 internal failure) instead of ArgumentParser's EX_USAGE 64.
func runCellTrace(_ arguments: [String]) -> Int32 {
    if let (option, values) = repeatedSingleOption(arguments) {
        Console.err(
            "\(Console.errorPrefix) \(option) is given \(values.count) times (\(values.joined(separator: ", "))): give it once"
        )
        return Failure.Status.badInput.rawValue
    }
    if let topic = CellTraceCommand.unknownHelpTopic(arguments) {
        Console.err("\(Console.errorPrefix) no command '\(topic)': `celltrace` alone lists the commands")
        return Failure.Status.badInput.rawValue
    }
    if arguments.first != "help", let (path, commands) = CellTraceCommand.unknownCommand(arguments) {
        let known =
            path.contains(" ")
            ? "the commands there are \(commands.joined(separator: ", "))" : "`celltrace` alone lists the commands"
        Console.err("\(Console.errorPrefix) no command '\(path)': \(known)")
        return Failure.Status.badInput.rawValue
    }
    do {
        var command = try CellTraceCommand.parseAsRoot(arguments)
        try command.run()
        // What a command printed is its result: one that did not reach its reader is no success.
        if let failure = Console.outputFailure {
            Console.err("\(Console.errorPrefix) \(failure)")
            return Failure.Status.internalFailure.rawValue
        }
        return 0
    } catch let failure as Failure {
        Console.err("\(Console.errorPrefix) \(failure.message)")
        return failure.status.rawValue
    } catch let error as SupplyChainError {
        Console.err("\(Console.errorPrefix) \(error.message)")
        for problem in error.problems.prefix(200) {
            Console.err("  \(problem)")
        }
        if error.problems.count > 200 {
            Console.err("  … and \(error.problems.count - 200) more")
        }
        return Failure.status(for: error).rawValue
    } catch let error as ProvenanceError {
        Console.err("\(Console.errorPrefix) \(error.description)")
        return Failure.Status.badInput.rawValue
    } catch let error as CarbonError {
        Console.err("\(Console.errorPrefix) \(error.description)")
        return Failure.Status.badInput.rawValue
    } catch let error as ExportError {
        Console.err("celltrace: \(error.message)")
        return error.isDefect ? Failure.Status.internalFailure.rawValue : Failure.Status.badInput.rawValue
    } catch let error as LedgerError {
        Console.err("\(Console.errorPrefix) \(error.message)")
        return Failure.status(for: error).rawValue
    } catch {
        let code = CellTraceCommand.exitCode(for: error)
        let message = CellTraceCommand.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { Console.out(message) }
            return 0
        }
        if !message.isEmpty { Console.err(message) }
        if code == .validationFailure { return Failure.Status.badInput.rawValue }
        return code == .failure ? Failure.Status.internalFailure.rawValue : code.rawValue
    }
}

Console.reserveStandardDescriptors()
FaultReport.install(for: Array(CommandLine.arguments.dropFirst()))
exit(runCellTrace(Array(CommandLine.arguments.dropFirst())))
