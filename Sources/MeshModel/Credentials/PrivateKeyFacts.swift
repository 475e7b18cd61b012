/// What validation needs of a private key: its algorithm and, where the key carries it, the public key.
struct PrivateKeyFacts {
    var algorithmName: String
    /// nil when the encoding does not include the public key (an EC key without its optional
    /// public key, Ed25519 in PKCS#8 v1): the match with the certificate cannot be checked here.
    var publicKey: PublicKeyIdentity?

    /// Parses a PEM block labelled `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1) or `RSA PRIVATE KEY` (PKCS#1).
    init(_ block: PEMBlock) throws(DERReader.Failure) {
        let root = try DERReader.single(block.der)
        guard root.tag == DERReader.Element.sequence else { throw DERReader.Failure(reason: "not a private key") }
        switch block.label {
        case "RSA PRIVATE KEY":
            self = try Self.rsa(root)
        case "EC PRIVATE KEY":
            self = try Self.ec(root)
        case "PRIVATE KEY":
            let fields = try root.children()
            guard fields.count >= 3, let algorithm = try fields[1].children().first,
                algorithm.tag == DERReader.Element.objectIdentifier, fields[2].tag == DERReader.Element.octetString
            else { throw DERReader.Failure(reason: "not a PKCS#8 private key") }
            let oid = Array(algorithm.content)
            switch oid {
            case KnownOID.rsaEncryption:
                self = try Self.rsa(try DERReader.single(Array(fields[2].content)))
            case KnownOID.ecPublicKey:
                self = try Self.ec(try DERReader.single(Array(fields[2].content)))
            default:
                // PKCS#8 v2 may carry the public key as [1]; Ed25519 keys usually do not.
                let embedded = fields.dropFirst(3).first { $0.tag == 0x81 || $0.tag == 0xa1 }
                var key: PublicKeyIdentity?
                if let embedded, embedded.tag == 0x81, embedded.content.first == 0 {
                    key = .raw(algorithm: oid, key: Array(embedded.content.dropFirst()))
                }
                self.init(algorithmName: KnownOID.name(oid), publicKey: key)
            }
        default:
            throw DERReader.Failure(reason: "a \(block.label) block is not a private key")
        }
    }

    init(algorithmName: String, publicKey: PublicKeyIdentity?) {
        self.algorithmName = algorithmName
        self.publicKey = publicKey
    }

    /// RSAPrivateKey: version, modulus, publicExponent, …
    private static func rsa(_ root: DERReader.Element) throws(DERReader.Failure) -> PrivateKeyFacts {
        let fields = try root.children()
        guard fields.count >= 3 else { throw DERReader.Failure(reason: "not an RSA private key") }
        let key = PublicKeyIdentity.rsa(
            modulus: try fields[1].unsignedInteger(),
            exponent: try fields[2].unsignedInteger()
        )
        return PrivateKeyFacts(algorithmName: "RSA", publicKey: key)
    }

    /// ECPrivateKey: version, privateKey, [0] parameters OPTIONAL, [1] publicKey OPTIONAL.
    private static func ec(_ root: DERReader.Element) throws(DERReader.Failure) -> PrivateKeyFacts {
        let fields = try root.children()
        guard fields.count >= 2, fields[1].tag == DERReader.Element.octetString else {
            throw DERReader.Failure(reason: "not an EC private key")
        }
        guard let tagged = fields.first(where: { $0.tag == 0xa1 }), let bits = try tagged.children().first else {
            return PrivateKeyFacts(algorithmName: "EC", publicKey: nil)
        }
        return PrivateKeyFacts(
            algorithmName: "EC",
            publicKey: .ec(x: try PublicKeyIdentity.ecX(try bits.bitStringBytes()))
        )
    }
}
