public import Foundation

extension Snapshot {
    /// One route of a virtual host (xDS `Route`): a match and what to do with matching requests.
    public struct Route: Sendable, Hashable, Codable {
        /// `<namespace>/<virtual service>/<rule name or index>`, with `.<match name or index>` when the rule has several matches.
        public var name: String
        public var match: RouteMatch
        public var action: Action
        /// Header changes for every request of this route.
        public var headers: HeaderMutations
        public var fault: FaultInjection?
        /// Compress responses of this route when the client accepts it (Envoy's compressor filter,
        /// per route); nil: never.
        public var compression: Compression?

        public init(
            name: String,
            match: RouteMatch,
            action: Action,
            headers: HeaderMutations = HeaderMutations(),
            fault: FaultInjection? = nil,
            compression: Compression? = nil
        ) {
            self.name = name
            self.match = match
            self.action = action
            self.headers = headers
            self.fault = fault
            self.compression = compression
        }

        /// Envoy's `envoy.filters.http.compressor` settings: gzip (or deflate, by the client's
        /// `Accept-Encoding` q-values) for responses of these content types and at least this size.
        public struct Compression: Sendable, Hashable, Codable {
            /// Responses with a smaller `Content-Length` are sent as they are (Envoy: `min_content_length`).
            public var minContentLength: UInt32
            /// Media types (`type/subtype`, no parameters, lower case) that are compressed.
            public var contentTypes: [String]

            /// Envoy's default content types.
            public static let defaultContentTypes = [
                "text/html", "text/plain", "text/css", "text/xml", "text/javascript", "application/javascript",
                "application/x-javascript", "application/json", "application/xml", "application/xhtml+xml",
                "image/svg+xml",
            ]

            public init(minContentLength: UInt32 = 30, contentTypes: [String] = Compression.defaultContentTypes) {
                self.minContentLength = minContentLength
                self.contentTypes = contentTypes
            }
        }

        public enum Action: Sendable, Hashable, Codable {
            case route(RouteAction)
            case redirect(RedirectAction)
            case directResponse(DirectResponseAction)
        }
    }

    /// Answer with a redirect (xDS `RedirectAction`); nil fields keep the request's value.
    public struct RedirectAction: Sendable, Hashable, Codable {
        public var scheme: String?
        public var host: String?
        public var port: UInt32?
        /// Use the port the request came in on (Istio's `derivePort: FROM_REQUEST_PORT`).
        public var portFromRequest: Bool
        /// Replaces the whole path.
        public var path: String?
        /// 301, 302, 303, 307 or 308.
        public var responseCode: UInt32

        public init(
            scheme: String? = nil,
            host: String? = nil,
            port: UInt32? = nil,
            portFromRequest: Bool = false,
            path: String? = nil,
            responseCode: UInt32 = 301
        ) {
            self.scheme = scheme
            self.host = host
            self.port = port
            self.portFromRequest = portFromRequest
            self.path = path
            self.responseCode = responseCode
        }
    }

    /// Answer with a fixed status and body (xDS `DirectResponseAction`).
    public struct DirectResponseAction: Sendable, Hashable, Codable {
        public var status: UInt32
        public var body: Data?

        public init(status: UInt32, body: Data? = nil) {
            self.status = status
            self.body = body
        }
    }

    /// Faults injected into matching requests (Envoy's fault filter, per route).
    public struct FaultInjection: Sendable, Hashable, Codable {
        public struct Delay: Sendable, Hashable, Codable {
            public var duration: Duration
            /// Share of requests delayed, 0...100.
            public var percentage: Double

            public init(duration: Duration, percentage: Double) {
                self.duration = duration
                self.percentage = percentage
            }
        }

        public struct Abort: Sendable, Hashable, Codable {
            public var httpStatus: UInt32
            /// Share of requests aborted, 0...100.
            public var percentage: Double

            public init(httpStatus: UInt32, percentage: Double) {
                self.httpStatus = httpStatus
                self.percentage = percentage
            }
        }

        public var delay: Delay?
        public var abort: Abort?

        public init(delay: Delay? = nil, abort: Abort? = nil) {
            self.delay = delay
            self.abort = abort
        }
    }

    /// Headers to add and remove on requests and responses (xDS `*_headers_to_add/remove`).
    public struct HeaderMutations: Sendable, Hashable, Codable {
        public var requestHeadersToAdd: [HeaderValueOption]
        public var requestHeadersToRemove: [String]
        public var responseHeadersToAdd: [HeaderValueOption]
        public var responseHeadersToRemove: [String]

        public init(
            requestHeadersToAdd: [HeaderValueOption] = [],
            requestHeadersToRemove: [String] = [],
            responseHeadersToAdd: [HeaderValueOption] = [],
            responseHeadersToRemove: [String] = []
        ) {
            self.requestHeadersToAdd = requestHeadersToAdd
            self.requestHeadersToRemove = requestHeadersToRemove
            self.responseHeadersToAdd = responseHeadersToAdd
            self.responseHeadersToRemove = responseHeadersToRemove
        }

        public var isEmpty: Bool {
            requestHeadersToAdd.isEmpty && requestHeadersToRemove.isEmpty && responseHeadersToAdd.isEmpty
                && responseHeadersToRemove.isEmpty
        }
    }

    /// A header to set (xDS `HeaderValueOption`).
    public struct HeaderValueOption: Sendable, Hashable, Codable {
        public var name: String
        public var value: String
        /// True appends another value (Istio `add`); false overwrites (Istio `set`).
        public var append: Bool

        public init(name: String, value: String, append: Bool) {
            self.name = name
            self.value = value
            self.append = append
        }
    }
}
