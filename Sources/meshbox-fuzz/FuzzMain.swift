import Foundation
import MeshFuzzTargets

/// Built two ways (scripts/fuzz.sh). With `-DFUZZING -sanitize=fuzzer` it hands its arguments to
/// libFuzzer's driver, which runs the target named by MESHBOX_FUZZ_TARGET over generated inputs. In
/// the ordinary build it replays files: `meshbox-fuzz TARGET FILE...` runs each file through TARGET
/// once (how a crash that libFuzzer saved is reproduced under a debugger).
@main
struct FuzzMain {
    static func main() throws {
        #if FUZZING
        _ = selected  // fails early on a missing or unknown target name
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            fail("usage: meshbox-fuzz \(names) FILE...")
        }
        for path in arguments.dropFirst() {
            target.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("ok \(path)")
        }
        #endif
    }

    static var names: String { FuzzTarget.allCases.map(\.rawValue).joined(separator: "|") }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}

#if FUZZING
/// The target MESHBOX_FUZZ_TARGET names, read on first use (by `main`, or by libFuzzer's own
/// `main` where the linker picks that one).
private let selected: FuzzTarget = {
    guard let target = ProcessInfo.processInfo.environment["MESHBOX_FUZZ_TARGET"].flatMap(FuzzTarget.init) else {
        FuzzMain.fail("set MESHBOX_FUZZ_TARGET to one of: \(FuzzMain.names)")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// libFuzzer's entry for programs that keep their own `main` (compiler-rt's FuzzerInterface.h).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
