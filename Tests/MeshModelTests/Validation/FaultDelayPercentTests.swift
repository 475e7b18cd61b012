import MeshModel
import Testing

/// Istio's deprecated `fault.delay.percent` (an integer percent) still appears in its API and
/// published samples; meshbox accepts it as Istio does.
@Suite("fault.delay.percent")
struct FaultDelayPercentTests {
    static let route = "route: [{destination: {host: reviews}}]"

    func delay(_ fields: String) throws -> VirtualServiceSpec.HTTPFaultInjection.Delay? {
        let text = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: x}
            spec: {hosts: [a], http: [{fault: {delay: {fixedDelay: 5s, \(fields)}}, \(Self.route)}]}
            """
        guard case .virtualService(let spec) = try #require(try ResourceDecoder.decode(text).first).spec else {
            Issue.record("expected a VirtualService")
            return nil
        }
        return spec.http[0].fault?.delay
    }

    @Test("an integer percent decodes and means the same as percentage.value")
    func percentDecodes() throws {
        let delay = try #require(try delay("percent: 50"))
        #expect(delay.percent == 50)
        #expect(delay.percentage == nil)
        #expect(delay.effectivePercentage == 50)
    }

    @Test("when both are given, percentage wins (as in Istio) and percent draws a warning")
    func percentageWins() throws {
        let delay = try #require(try delay("percent: 50, percentage: {value: 0.5}"))
        #expect(delay.effectivePercentage == 0.5)
        #expect(
            validation(.virtualService, "{hosts: [a], http: [{fault: {delay: {fixedDelay: 5s, percent: 50, percentage: {value: 0.5}}}, \(Self.route)}]}")
                == ["spec.http[0].fault.delay.percent: ignored: percentage is set and takes precedence, as in Istio"])
    }

    @Test("percent outside 0...100 is refused with its path", arguments: ["101", "-1"])
    func outOfRange(_ value: String) {
        #expect(
            validation(.virtualService, "{hosts: [a], http: [{fault: {delay: {fixedDelay: 5s, percent: \(value)}}, \(Self.route)}]}")
                == ["spec.http[0].fault.delay.percent: percent \(value) must be in the range 0..100"])
    }

    @Test("a fractional percent is refused as Istio's int32 is")
    func fractionRefused() {
        let issues = validation(.virtualService, "{hosts: [a], http: [{fault: {delay: {fixedDelay: 5s, percent: 12.5}}, \(Self.route)}]}")
        #expect(issues.count == 1)
        #expect(issues.first?.hasPrefix("spec.http[0].fault.delay.percent: ") == true)
    }

    @Test("the bounds 0 and 100 are accepted", arguments: [0, 100])
    func bounds(_ value: Int) {
        #expect(validation(.virtualService, "{hosts: [a], http: [{fault: {delay: {fixedDelay: 5s, percent: \(value)}}, \(Self.route)}]}") == [])
    }
}
