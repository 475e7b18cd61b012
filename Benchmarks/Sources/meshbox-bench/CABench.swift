// Certificate issuance: CSRs signed per second by the real CertificateAuthority actor (SQLite
// record of every issued certificate included). Run it right after `openssl speed ecdsap256`,
// the raw ECDSA P-256 signing speed any CA on this machine sits on (docs/benchmarks.md). That
// reference is not spawned from here: a child of a Swift process inherits its blocked signals,
// and `openssl speed` times itself with SIGALRM, so it would never stop.
import Foundation
import MeshAPI
import MeshCA

func benchCA() async throws {
    let directory = FileManager.default.temporaryDirectory.path + "/meshbox-bench-ca-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let authority = try CertificateAuthority(directory: directory, trustDomain: "cluster.local", logger: logger)
    let count = quick ? 200 : 2_000
    // CSRs are made first: a workload makes its own key and CSR, the CA only verifies and signs.
    var csrs: [String] = []
    for index in 0..<count {
        csrs.append(try CSRBuilder.make(spiffeID: "spiffe://cluster.local/ns/bench/sa/workload-\(index)").csrPEM)
    }
    // One at a time, as renewals arrive.
    let serialStart = clock.now
    for csr in csrs.prefix(count / 2) {
        _ = try await authority.sign(csrPEM: csr, ttl: .seconds(3600), requester: .admin)
    }
    let serial = Double(count / 2) / (clock.now - serialStart).seconds
    // Many at once (a node starting its workloads): the actor still signs one by one.
    let burstStart = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for csr in csrs.suffix(count - count / 2) {
            group.addTask { _ = try await authority.sign(csrPEM: csr, ttl: .seconds(3600), requester: .admin) }
        }
        try await group.waitForAll()
    }
    let burst = Double(count - count / 2) / (clock.now - burstStart).seconds
    await authority.close()
    say("ca: \(count / 2) CSRs signed one after another: \(String(format: "%.0f", serial)) certificates/s")
    say("ca: \(count - count / 2) CSRs signed concurrently: \(String(format: "%.0f", burst)) certificates/s")
}
