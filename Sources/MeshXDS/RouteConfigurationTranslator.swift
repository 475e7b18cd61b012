public import MeshModel
public import MeshXDSProto
import SwiftProtobuf

/// `Snapshot.RouteConfiguration` → Envoy `RouteConfiguration` (RDS).
///
/// Virtual hosts keep their domains and route order; each route keeps its match, action (forward
/// to weighted clusters, redirect, direct response) and header changes. Fault injection and CORS
/// travel as per-route config of the `envoy.filters.http.fault` and `envoy.filters.http.cors`
/// filters, which `ListenerTranslator` puts in every HTTP connection manager.
public enum RouteConfigurationTranslator {
    public static func translate(
        _ configuration: Snapshot.RouteConfiguration
    ) -> XDSTranslation<Envoy_Config_Route_V3_RouteConfiguration> {
        var notes = XDSNotes(typeURL: XDSTypeURL.routeConfiguration, resourceName: configuration.name)
        var result = Envoy_Config_Route_V3_RouteConfiguration()
        result.name = configuration.name
        result.virtualHosts = configuration.virtualHosts.enumerated().map { index, host in
            virtualHost(host, field: "virtualHosts[\(index)]", notes: &notes)
        }
        return XDSTranslation(resource: result, notes: notes.all)
    }

    static func virtualHost(
        _ host: Snapshot.VirtualHost,
        field: String,
        notes: inout XDSNotes
    ) -> Envoy_Config_Route_V3_VirtualHost {
        var result = Envoy_Config_Route_V3_VirtualHost()
        result.name = host.name
        result.domains = host.domains
        if host.requireTLS { result.requireTls = .all }
        result.routes = host.routes.enumerated().map { index, route in
            self.route(route, field: "\(field).routes[\(index)]", notes: &notes)
        }
        return result
    }

    static func route(_ route: Snapshot.Route, field: String, notes: inout XDSNotes) -> Envoy_Config_Route_V3_Route {
        var result = Envoy_Config_Route_V3_Route()
        result.name = route.name
        result.match = match(route.match)
        switch route.action {
        case .route(let action):
            let (translated, cors) = routeAction(action, match: route.match, field: "\(field).action", notes: &notes)
            result.route = translated
            if let cors { result.typedPerFilterConfig[ListenerTranslator.corsName] = XDSAny.pack(cors) }
        case .redirect(let redirect):
            result.redirect = self.redirect(redirect, field: "\(field).action", notes: &notes)
        case .directResponse(let response):
            var direct = Envoy_Config_Route_V3_DirectResponseAction()
            direct.status = response.status
            if let body = response.body {
                var source = Envoy_Config_Core_V3_DataSource()
                source.inlineBytes = body
                direct.body = source
            }
            result.directResponse = direct
        }
        result.requestHeadersToAdd = Envoy.headerOptions(route.headers.requestHeadersToAdd)
        result.requestHeadersToRemove = route.headers.requestHeadersToRemove
        result.responseHeadersToAdd = Envoy.headerOptions(route.headers.responseHeadersToAdd)
        result.responseHeadersToRemove = route.headers.responseHeadersToRemove
        if let fault = route.fault {
            result.typedPerFilterConfig[ListenerTranslator.faultName] = XDSAny.pack(self.fault(fault))
        }
        if route.compression != nil {
            notes.add(
                "\(field).compression",
                "response compression is not translated (no envoy.filters.http.compressor): Envoy answers uncompressed"
            )
        }
        return result
    }

    static func match(_ match: Snapshot.RouteMatch) -> Envoy_Config_Route_V3_RouteMatch {
        var result = Envoy_Config_Route_V3_RouteMatch()
        switch match.path {
        case .prefix(let prefix): result.prefix = prefix
        case .exact(let path): result.path = path
        case .regex(let pattern): result.safeRegex = Envoy.regex(pattern)
        }
        if !match.caseSensitive { result.caseSensitive = Envoy.bool(false) }
        result.headers = match.headers.map { header in
            var matcher = Envoy_Config_Route_V3_HeaderMatcher()
            matcher.name = header.name
            if let value = header.match {
                matcher.stringMatch = Envoy.stringMatcher(value)
            } else {
                matcher.presentMatch = true
            }
            matcher.invertMatch = header.invert
            return matcher
        }
        result.queryParameters = match.queryParameters.map { parameter in
            var matcher = Envoy_Config_Route_V3_QueryParameterMatcher()
            matcher.name = parameter.name
            if let value = parameter.match {
                matcher.stringMatch = Envoy.stringMatcher(value)
            } else {
                matcher.presentMatch = true
            }
            return matcher
        }
        return result
    }

    static func redirect(
        _ redirect: Snapshot.RedirectAction,
        field: String,
        notes: inout XDSNotes
    ) -> Envoy_Config_Route_V3_RedirectAction {
        var result = Envoy_Config_Route_V3_RedirectAction()
        if let scheme = redirect.scheme {
            if scheme == "https" { result.httpsRedirect = true } else { result.schemeRedirect = scheme }
        }
        if let host = redirect.host { result.hostRedirect = host }
        // portFromRequest needs nothing: without port_redirect Envoy keeps the request's port.
        if let port = redirect.port { result.portRedirect = port }
        if let path = redirect.path { result.pathRedirect = path }
        switch redirect.responseCode {
        case 301: result.responseCode = .movedPermanently
        case 302: result.responseCode = .found
        case 303: result.responseCode = .seeOther
        case 307: result.responseCode = .temporaryRedirect
        case 308: result.responseCode = .permanentRedirect
        default:
            notes.add("\(field).responseCode", "Envoy redirects with 301, 302, 303, 307 or 308 only: 301 sent")
        }
        return result
    }

    static func fault(_ fault: Snapshot.FaultInjection) -> Envoy_Extensions_Filters_Http_Fault_V3_HTTPFault {
        var result = Envoy_Extensions_Filters_Http_Fault_V3_HTTPFault()
        if let delay = fault.delay {
            var envoyDelay = Envoy_Extensions_Filters_Common_Fault_V3_FaultDelay()
            envoyDelay.fixedDelay = Envoy.duration(delay.duration)
            envoyDelay.percentage = Envoy.fractionalPercent(delay.percentage)
            result.delay = envoyDelay
        }
        if let abort = fault.abort {
            var envoyAbort = Envoy_Extensions_Filters_Http_Fault_V3_FaultAbort()
            envoyAbort.httpStatus = abort.httpStatus
            envoyAbort.percentage = Envoy.fractionalPercent(abort.percentage)
            result.abort = envoyAbort
        }
        return result
    }
}
