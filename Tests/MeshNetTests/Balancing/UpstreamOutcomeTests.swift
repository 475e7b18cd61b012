import MeshNet
import Testing

@Suite("UpstreamOutcome")
struct UpstreamOutcomeTests {
    @Test(
        "classifies gateway errors and 5xx as Envoy does",
        arguments: [
            (UpstreamOutcome.success, false, false), (.httpError(status: 500), false, true),
            (.httpError(status: 502), true, true), (.httpError(status: 503), true, true),
            (.httpError(status: 504), true, true), (.httpError(status: 501), false, true),
            (.httpError(status: 404), false, false), (.connectFailure, true, true), (.reset, true, true),
            (.timeout, true, true),
        ] as [(UpstreamOutcome, Bool, Bool)]
    )
    func classification(_ outcome: UpstreamOutcome, _ gateway: Bool, _ fiveHundred: Bool) {
        #expect(outcome.isGatewayError == gateway)
        #expect(outcome.is5xx == fiveHundred)
    }
}
