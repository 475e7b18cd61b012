import Foundation
import MeshTesting
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Event loops whose threads live in a test's network namespace, so that an engine running in
/// the test process makes its sockets (listeners, upstream connections) there.
///
/// A thread's network namespace is inherited by the threads it starts: a dedicated thread enters
/// the namespace (`setns`) and starts the group; the test's own threads stay where they are.
enum NamespacedEventLoops {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private typealias SetNS = @convention(c) (Int32, Int32) -> Int32

    static func make(in namespace: NetworkNamespace, threads: Int) throws -> MultiThreadedEventLoopGroup {
        // Written by the thread before it signals, read after the wait: the semaphore orders them.
        final class Outcome: @unchecked Sendable {
            var result: Result<MultiThreadedEventLoopGroup, Failure> = .failure(Failure(description: "not run"))
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let name = namespace.name
        let thread = Thread {
            outcome.result = enter(name).map { MultiThreadedEventLoopGroup(numberOfThreads: threads) }
            done.signal()
        }
        thread.start()
        done.wait()
        return try outcome.result.get()
    }

    /// Moves the calling thread into `/var/run/netns/<name>` (as `ip netns exec` does).
    private static func enter(_ name: String) -> Result<Void, Failure> {
        // Glibc's `setns` is not in Swift's Glibc module (it needs _GNU_SOURCE).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else {
            return .failure(Failure(description: "no setns in libc"))
        }
        let setns = unsafeBitCast(symbol, to: SetNS.self)
        let descriptor = open("/var/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Failure(description: "open netns \(name): errno \(errno)")) }
        defer { close(descriptor) }
        let cloneNewNet: Int32 = 0x4000_0000
        guard setns(descriptor, cloneNewNet) == 0 else {
            return .failure(Failure(description: "setns \(name): errno \(errno)"))
        }
        return .success(())
    }
}
