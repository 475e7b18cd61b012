import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Synchronization
import Testing
@_spi(FixedExpiryValidationTime) import X509

@testable import MeshCA

/// The tests' only time source: starts at the real time (so openssl agrees) and moves on demand.
final class TestNow: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date = Date()) { value = Mutex(start) }
    var now: Date { value.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var closure: @Sendable () -> Date { { [self] in now } }
}

let trustDomain = "mesh.test"
let hour: TimeInterval = 3600

/// Opens a CA in a fresh directory, runs `body`, closes it and removes the directory.
func withCA(
    options: CertificateAuthority.Options = .init(), clock: TestNow = TestNow(),
    workloads: @escaping @Sendable (String) async -> Set<String> = { _ in [] },
    _ body: (CertificateAuthority, TestNow, TemporaryDirectory) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory(prefix: "meshca-test")
    defer { directory.remove() }
    let ca = try CertificateAuthority(
        directory: directory.path, trustDomain: trustDomain, options: options, now: clock.closure,
        workloadIdentities: workloads)
    do {
        try await body(ca, clock, directory)
    } catch {
        await ca.close()
        throw error
    }
    await ca.close()
}

func csr(_ id: String) throws -> String { try CSRBuilder.make(spiffeID: id).csrPEM }

func workload(_ namespace: String, _ account: String) -> String { "spiffe://\(trustDomain)/ns/\(namespace)/sa/\(account)" }

/// Claims the critical SAN of SPIFFE leaves, which RFC5280Policy alone leaves unhandled.
struct SPIFFETestPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.subjectAlternativeName]
    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let sans = (try? chain.leaf.extensions.subjectAlternativeNames) ?? nil
        let ok =
            sans?.contains {
                if case .uniformResourceIdentifier(let uri) = $0 { uri.hasPrefix("spiffe://\(trustDomain)/") } else { false }
            } ?? false
        return ok ? .meetsPolicy : .failsToMeetPolicy(reason: "no SPIFFE ID in \(trustDomain)")
    }
}

func certificates(_ pem: String) throws -> [Certificate] {
    try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
}

/// Verifies an issued leaf with swift-certificates' Verifier at `date`. Returns the validated
/// chain (leaf first, root last), nil when it does not verify.
func verifiedChain(_ issued: IssuedCertificate, bundlePEM: String? = nil, at date: Date) async throws -> [Certificate]? {
    let roots = try certificates(bundlePEM ?? issued.trustBundlePEM)
    let leaf = try Certificate(pemEncoded: issued.certificatePEM)
    var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
        RFC5280Policy(fixedExpiryValidationTime: date)
        SPIFFETestPolicy()
    }
    switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(try certificates(issued.chainPEM))) {
    case .validCertificate(let chain): return Array(chain)
    case .couldNotValidate: return nil
    }
}

/// Asserts that `body` throws a `MeshError` with `code`; returns it.
@discardableResult
func expectMeshError(
    _ code: MeshError.Code, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) async -> MeshError? {
    do {
        try await body()
        Issue.record("expected MeshError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as MeshError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected MeshError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Runs a program and returns its exit status and combined output.
func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        throw MeshError(.unavailable, "\(executable) is required for this test but is not installed")
    }
    return try await ChildProcess.run(executable, arguments)
}

