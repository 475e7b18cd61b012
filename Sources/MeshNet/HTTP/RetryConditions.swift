/// Envoy's `retry_on` conditions, parsed from the comma-separated policy string. Parsed only when
/// an attempt fails, so the success path never pays for it.
struct RetryConditions {
    var on5xx = false
    var onGatewayError = false
    var onConnectFailure = false
    var onReset = false
    var onRetriable4xx = false
    var statuses: Set<Int> = []

    init(_ text: String) {
        for item in text.split(separator: ",") {
            let word = item.trimmingCharacters(in: .whitespaces).lowercased()
            switch word {
            case "5xx": on5xx = true
            case "gateway-error": onGatewayError = true
            case "connect-failure": onConnectFailure = true
            case "reset", "reset-before-request", "refused-stream": onReset = true
            case "retriable-4xx": onRetriable4xx = true
            case "unavailable": statuses.insert(503)
            case "retriable-status-codes": break
            default:
                if let code = Int(word), (100...599).contains(code) { statuses.insert(code) }
            }
        }
    }

    func retries(status: Int) -> Bool {
        if statuses.contains(status) { return true }
        if on5xx && status >= 500 { return true }
        if onGatewayError && (502...504).contains(status) { return true }
        if onRetriable4xx && status == 409 { return true }
        return false
    }

    /// Connect failures count under `5xx` and `gateway-error` too, as in Envoy.
    var retriesConnectFailure: Bool { onConnectFailure || on5xx || onGatewayError }
    var retriesReset: Bool { onReset || on5xx || onGatewayError }
    var retriesTimeout: Bool { on5xx || onGatewayError }
}

import Foundation
