import Foundation
import JWTKit

/// The verification keys of one JSON Web Key Set, made once per snapshot by jwt-kit and then used
/// synchronously on the event loops: a request verifies a signature with no actor hop.
///
/// jwt-kit builds its signers inside its `JWTKeyCollection` actor; `prepare` asks it once for the
/// signer of each key and algorithm and keeps the (Sendable, synchronous) `JWTAlgorithm`s.
struct JWTKeySet: Sendable {
    struct Key: Sendable {
        /// The key's `kid`; nil when the set gave none (then any token without a `kid` may use it).
        let id: String?
        /// The JWS `alg` this signer verifies (`RS256`, `ES256`, …).
        let algorithm: String
        let verifier: any JWTAlgorithm
    }

    let keys: [Key]
    /// Why some keys of the set are not usable (an unknown `kty`, a bad modulus), for the snapshot's problems.
    let problems: [String]

    static let empty = JWTKeySet(keys: [], problems: [])

    /// The keys a token signed with `algorithm` (and naming `keyID`, if it does) may be verified with.
    func candidates(algorithm: Substring, keyID: String?) -> [Key] {
        keys.filter { key in
            key.algorithm.utf8.elementsEqual(algorithm.utf8) && (keyID == nil || key.id == nil || key.id == keyID)
        }
    }

    /// Each usable key of the set `json`, with every algorithm its type allows when it names none.
    static func prepare(_ json: String) async -> JWTKeySet {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(json.utf8)) else {
            return JWTKeySet(keys: [], problems: ["not a JSON Web Key Set"])
        }
        var keys: [Key] = []
        var problems: [String] = []
        for (index, entry) in document.keys.enumerated() {
            guard var jwk = entry.key else {
                problems.append("keys[\(index)]: not a key jwt-kit reads (kty RSA, EC or OKP)")
                continue
            }
            let givenID = jwk.keyIdentifier?.string
            // The collection stores keys by kid; a key without one gets a private name.
            let storedID = JWKIdentifier(string: givenID ?? "meshbox-unnamed-\(index)")
            jwk.keyIdentifier = storedID
            // One collection per algorithm: jwt-kit keeps the first signer it made for a key.
            let algorithms = jwk.algorithm.map { [$0.rawValue] } ?? Self.algorithms(for: jwk)
            var usable = false
            var failure: (any Error)?
            for algorithm in algorithms {
                var typed = jwk
                typed.algorithm = JWK.Algorithm(rawValue: algorithm)
                let collection = JWTKeyCollection()
                do {
                    try await collection.add(jwk: typed)
                    let verifier = try await collection.getKey(for: storedID)
                    keys.append(Key(id: givenID, algorithm: verifier.name, verifier: verifier))
                    usable = true
                } catch {
                    failure = error
                }
            }
            if !usable, let failure {
                problems.append("keys[\(index)]: \(failure)")
                continue
            }
            if !usable { problems.append("keys[\(index)]: no signature algorithm for this key") }
        }
        return JWTKeySet(keys: keys, problems: problems)
    }

    /// The algorithms a key without `alg` may sign with, by its type and curve.
    private static func algorithms(for jwk: JWK) -> [String] {
        switch jwk.keyType {
        case .rsa: return ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
        case .ecdsa:
            switch jwk.curve?.rawValue {
            case "P-256": return ["ES256"]
            case "P-384": return ["ES384"]
            case "P-521": return ["ES512"]
            default: return []
            }
        case .octetKeyPair: return ["EdDSA"]
        default: return []
        }
    }

    /// A key set whose keys decode one by one, so one key of an unknown type spoils only itself.
    private struct Document: Decodable {
        let keys: [OptionalKey]
    }

    private struct OptionalKey: Decodable {
        let key: JWK?

        init(from decoder: any Decoder) throws {
            key = try? JWK(from: decoder)
        }
    }
}
