import Foundation
import MeshModel

/// A compact JWS (`header.payload.signature`) taken apart, not yet verified: its header's `alg`
/// and `kid`, its claims, and the bytes the signature covers.
struct JWTToken {
    let algorithm: Substring
    let keyID: String?
    let claims: JSONValue
    /// `header.payload` as sent: what the signature signs.
    let signedPart: [UInt8]
    /// The payload segment as sent (base64url), for `outputPayloadToHeader`.
    let encodedPayload: Substring
    let signature: [UInt8]

    /// nil when `text` is not three base64url segments with a JSON header naming `alg` and a JSON object payload.
    init?(_ text: Substring) {
        let json = JSONDecoder()
        let parts = text.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
            let headerBytes = Self.base64URLDecoded(parts[0]),
            let payloadBytes = Self.base64URLDecoded(parts[1]),
            let signature = Self.base64URLDecoded(parts[2]),
            let header = try? json.decode(JSONValue.self, from: Data(headerBytes)),
            let algorithm = header["alg"]?.stringValue,
            let claims = try? json.decode(JSONValue.self, from: Data(payloadBytes)),
            claims.objectValue != nil
        else { return nil }
        self.algorithm = Substring(algorithm)
        self.keyID = header["kid"]?.stringValue
        self.claims = claims
        self.signedPart = Array(text[parts[0].startIndex..<parts[1].endIndex].utf8)
        self.encodedPayload = parts[1]
        self.signature = signature
    }

    var issuer: String? { claims["iss"]?.stringValue }
    var subject: String? { claims["sub"]?.stringValue }
    /// `aud` as a list: RFC 7519 allows one string or a list of them.
    var audiences: [String] {
        switch claims["aud"] {
        case .string(let audience)?: return [audience]
        case .array(let values)?: return values.compactMap(\.stringValue)
        default: return []
        }
    }

    /// A NumericDate claim (`exp`, `nbf`) in seconds since the epoch; nil when absent or not a number.
    func time(_ claim: String) -> Double? {
        switch claims[claim] {
        case .int(let seconds)?: return Double(seconds)
        case .double(let seconds)?: return seconds
        default: return nil
        }
    }

    /// Base64url without padding (RFC 7515 §2); padding is tolerated, other characters are not.
    static func base64URLDecoded(_ text: Substring) -> [UInt8]? {
        var standard = ""
        standard.reserveCapacity(text.utf8.count + 3)
        for character in text.unicodeScalars {
            switch character {
            case "-": standard.unicodeScalars.append("+")
            case "_": standard.unicodeScalars.append("/")
            case "+", "/": return nil
            default: standard.unicodeScalars.append(character)
            }
        }
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
