import HTTPTypes
import Hummingbird

/// The session cookie: `HttpOnly` (page scripts never see it), `SameSite=Strict` (no other site
/// can make the browser send it), `Path=/`, and `Secure` when the console listener uses TLS.
enum SessionCookie {
    static let name = "meshbox_session"
    /// The header a browser must echo on every write made with a session (double submit is not
    /// needed: the token comes from the login answer and `GET /api/v1/session`).
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// `Set-Cookie` value that installs the session for `maxAge`.
    static func setting(_ id: String, maxAge: Duration, secure: Bool) -> String {
        attributes(value: id, maxAge: max(0, maxAge.components.seconds), secure: secure)
    }

    /// `Set-Cookie` value that makes the browser drop the cookie.
    static func clearing(secure: Bool) -> String {
        attributes(value: "", maxAge: 0, secure: secure)
    }

    /// The session id a request presents, if any.
    static func id(in request: Request) -> String? {
        guard let value = request.cookies[name]?.value, !value.isEmpty else { return nil }
        return value
    }

    private static func attributes(value: String, maxAge: Int64, secure: Bool) -> String {
        var text = "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
        if secure { text += "; Secure" }
        return text
    }
}
