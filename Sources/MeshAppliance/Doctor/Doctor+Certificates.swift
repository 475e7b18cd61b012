import Foundation
import MeshXDSClient
import SwiftASN1
import X509

extension Doctor {
    /// The CA roots in `<data-dir>/ca`, a plugged intermediate, the console's own certificate and
    /// a remote node's certificate: expired is a failure, within `expiryWarning` a warning. A
    /// clock before a root's start is a failure too (the clock went back).
    static func certificates(_ configuration: ApplianceConfiguration, now: Date) -> [Finding] {
        var files: [(String, String)] = []
        let caDirectory = configuration.dataDirectory + "/ca"
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: caDirectory)) ?? []).sorted()
        where name.hasPrefix("root-") && name.hasSuffix(".cert.pem") {
            files.append(("ca " + name.dropLast(".cert.pem".count), caDirectory + "/" + name))
        }
        if let intermediate = configuration.caIntermediateCertificate {
            files.append(("ca intermediate", intermediate))
        }
        if let console = configuration.console.tlsCertFile { files.append(("console certificate", console)) }
        var findings: [Finding] = []
        for (name, path) in files {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                let certificate = try? Certificate(pemEncoded: text)
            else {
                findings.append(Finding("cert " + name, .fail, "\(path): cannot read a PEM certificate"))
                continue
            }
            findings.append(
                expiry(
                    "cert " + name,
                    path: path,
                    notBefore: certificate.notValidBefore,
                    notAfter: certificate.notValidAfter,
                    now: now
                )
            )
        }
        if let identity = try? NodeFiles(dataDirectory: configuration.dataDirectory).loadIdentity() {
            findings.append(
                expiry(
                    "cert node",
                    path: NodeFiles(dataDirectory: configuration.dataDirectory).identityPath,
                    notBefore: identity.notBefore,
                    notAfter: identity.notAfter,
                    now: now
                )
            )
        }
        return findings
    }

    static func expiry(_ check: String, path: String, notBefore: Date, notAfter: Date, now: Date) -> Finding {
        let until = notAfter.formatted(Date.ISO8601FormatStyle())
        if now < notBefore {
            return Finding(
                check,
                .fail,
                "\(path): valid from \(notBefore.formatted(Date.ISO8601FormatStyle())), after this clock's now (clock set back?)"
            )
        }
        if now >= notAfter { return Finding(check, .fail, "\(path): expired \(until)") }
        let days = Int(notAfter.timeIntervalSince(now) / 86400)
        if notAfter.timeIntervalSince(now) < expiryWarning {
            return Finding(check, .warn, "\(path): expires \(until), in \(days) days")
        }
        return Finding(check, .ok, "expires \(until) (\(days) days)")
    }
}
