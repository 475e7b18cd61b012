/// What identifies a public key well enough to tell whether a private key belongs to a certificate.
enum PublicKeyIdentity: Equatable {
    case rsa(modulus: [UInt8], exponent: [UInt8])
    /// An EC point; `x` alone is compared, so compressed and uncompressed encodings match.
    case ec(x: [UInt8])
    /// A key type whose raw public key is compared byte for byte (Ed25519, Ed448).
    case raw(algorithm: [UInt8], key: [UInt8])

    var algorithmName: String {
        switch self {
        case .rsa: "RSA"
        case .ec: "EC"
        case .raw(let algorithm, _): KnownOID.name(algorithm)
        }
    }

    /// From a SubjectPublicKeyInfo's algorithm OID and key bits.
    static func from(algorithm: [UInt8], keyBits: ArraySlice<UInt8>) throws(DERReader.Failure) -> PublicKeyIdentity {
        switch algorithm {
        case KnownOID.rsaEncryption:
            let fields = try DERReader.single(Array(keyBits)).children()
            guard fields.count >= 2 else { throw DERReader.Failure(reason: "bad RSA public key") }
            return .rsa(modulus: try fields[0].unsignedInteger(), exponent: try fields[1].unsignedInteger())
        case KnownOID.ecPublicKey:
            return .ec(x: try ecX(keyBits))
        default:
            return .raw(algorithm: algorithm, key: Array(keyBits))
        }
    }

    /// The x coordinate of an encoded EC point (`04 x y` or `02/03 x`).
    static func ecX(_ point: ArraySlice<UInt8>) throws(DERReader.Failure) -> [UInt8] {
        guard let form = point.first else { throw DERReader.Failure(reason: "empty EC point") }
        let body = point.dropFirst()
        switch form {
        case 0x04 where body.count % 2 == 0 && !body.isEmpty: return Array(body.prefix(body.count / 2))
        case 0x02, 0x03: return Array(body)
        default: throw DERReader.Failure(reason: "bad EC point")
        }
    }
}
