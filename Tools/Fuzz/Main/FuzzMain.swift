import FuzzTargets

#if FUZZING
import Foundation

/// The target this binary fuzzes, from `FUZZ_TARGET` (see ./scripts/fuzz).
let selected: FuzzTarget = {
    guard let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
        fatalError("set FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    selected.run(UnsafeRawBufferPointer(start: data, count: count))
    return 0
}

/// libFuzzer's driver, called from our own entry point: SwiftPM links an executable with
/// `main` pointing at `<module>_main`, so libFuzzer's `main` would never run.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("chat_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv) { data, count in fuzzOneInput(data, count) }
}
#else
import Foundation

/// Without libFuzzer: runs saved inputs through a target, `chat-fuzz <target> <file>…`,
/// to reproduce a finding under a debugger.
@main
enum Replay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: chat-fuzz <\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))> <file>…")
            return
        }
        for path in arguments.dropFirst() {
            target.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("ok \(path)")
        }
    }
}
#endif
