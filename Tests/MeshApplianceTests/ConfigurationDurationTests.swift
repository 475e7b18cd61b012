import MeshAppliance
import Testing

@Suite("Configuration durations")
struct ConfigurationDurationTests {
    // Each of these aborted `meshbox serve` at start in `DurationText` before issue 22.
    @Test(
        "a duration longer than 100 years in the config file is an error naming the key",
        arguments: [
            ("console:\n  sessionTTL: X\n", "console.sessionTTL"),
            ("console:\n  sessionIdleTimeout: X\n", "console.sessionIdleTimeout"),
            ("ca:\n  leafTTL: X\n", "ca.leafTTL"),
            ("ca:\n  maxLeafTTL: X\n", "ca.maxLeafTTL"),
            ("ca:\n  rootTTL: X\n", "ca.rootTTL"),
            ("gateway:\n  idleTimeout: X\n", "gateway.idleTimeout"),
            ("gateway:\n  tcpIdleTimeout: X\n", "gateway.tcpIdleTimeout"),
            ("gateway:\n  drainTimeout: X\n", "gateway.drainTimeout"),
            ("gateway:\n  identity:\n    ttl: X\n", "gateway.identity.ttl"),
        ]
    )
    func tooLongIsAnError(yaml: String, key: String) {
        let absurd = "99999999999999999999h"
        #expect {
            try ApplianceConfiguration.parse(yaml: yaml.replacing("X", with: absurd), source: "t.yaml")
        } throws: { error in
            "\(error)".contains("t.yaml: \(key): invalid duration '\(absurd)'")
        }
    }
}
