import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MeshXDSProto

/// One ADS stream driven by a test with the generated client stub: send a request, read the next
/// response. Used by one task at a time.
final class ADSTestStream<Request: Sendable, Response: Sendable>: @unchecked Sendable {
    private let requests: AsyncStream<Request>.Continuation
    private var responses: RPCAsyncSequence<Response, any Error>.AsyncIterator

    init(requests: AsyncStream<Request>.Continuation, responses: RPCAsyncSequence<Response, any Error>) {
        self.requests = requests
        self.responses = responses.makeAsyncIterator()
    }

    func send(_ request: Request) { requests.yield(request) }

    func next() async throws -> Response {
        guard let response = try await responses.next() else { throw TestFailure("the ADS stream ended") }
        return response
    }

    func exchange(_ request: Request) async throws -> Response {
        send(request)
        return try await next()
    }
}

typealias SotWStream = ADSTestStream<
    Envoy_Service_Discovery_V3_DiscoveryRequest, Envoy_Service_Discovery_V3_DiscoveryResponse
>
typealias DeltaStream = ADSTestStream<
    Envoy_Service_Discovery_V3_DeltaDiscoveryRequest, Envoy_Service_Discovery_V3_DeltaDiscoveryResponse
>

enum ADSTestClient {
    static func sotw<R: Sendable>(
        port: Int,
        security: HTTP2ClientTransport.Posix.TransportSecurity = .plaintext,
        _ body: @escaping @Sendable (SotWStream) async throws -> R
    ) async throws -> R {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: security)
        ) { client in
            let ads = Envoy_Service_Discovery_V3_AggregatedDiscoveryService.Client(wrapping: client)
            let (requests, continuation) = AsyncStream.makeStream(of: Envoy_Service_Discovery_V3_DiscoveryRequest.self)
            let request = StreamingClientRequest<Envoy_Service_Discovery_V3_DiscoveryRequest> { writer in
                for await message in requests { try await writer.write(message) }
            }
            return try await ads.streamAggregatedResources(request: request) { response in
                defer { continuation.finish() }
                return try await body(SotWStream(requests: continuation, responses: response.messages))
            }
        }
    }

    static func delta<R: Sendable>(
        port: Int,
        security: HTTP2ClientTransport.Posix.TransportSecurity = .plaintext,
        _ body: @escaping @Sendable (DeltaStream) async throws -> R
    ) async throws -> R {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: security)
        ) { client in
            let ads = Envoy_Service_Discovery_V3_AggregatedDiscoveryService.Client(wrapping: client)
            let (requests, continuation) = AsyncStream.makeStream(
                of: Envoy_Service_Discovery_V3_DeltaDiscoveryRequest.self
            )
            let request = StreamingClientRequest<Envoy_Service_Discovery_V3_DeltaDiscoveryRequest> { writer in
                for await message in requests { try await writer.write(message) }
            }
            return try await ads.deltaAggregatedResources(request: request) { response in
                defer { continuation.finish() }
                return try await body(DeltaStream(requests: continuation, responses: response.messages))
            }
        }
    }
}
