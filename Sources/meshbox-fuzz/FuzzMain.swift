import Foundation
import MeshFuzzTargets

// Built two ways (scripts/fuzz.sh). With `-DFUZZING -sanitize=fuzzer` libFuzzer owns `main` and
// calls the entry point below for the target named by MESHBOX_FUZZ_TARGET. In the ordinary build
// it replays files: `meshbox-fuzz TARGET FILE...` runs each file through TARGET once (how a crash
// libFuzzer saved is reproduced under a debugger).

#if FUZZING
private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MESHBOX_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set MESHBOX_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    target.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
@main
struct FuzzReplay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: meshbox-fuzz \(names) FILE...\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            target.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("ok \(path)")
        }
    }
}
#endif
