import Foundation

/// What validation needs of an X.509 certificate: its validity window and public key.
struct CertificateFacts {
    var notValidBefore: Date
    var notValidAfter: Date
    var publicKey: PublicKeyIdentity
    /// Whether the certificate is its own issuer (a root).
    var selfIssued: Bool

    /// Parses a DER certificate; throws with a short reason when it is not one.
    init(der: [UInt8]) throws(DERReader.Failure) {
        let certificate = try DERReader.single(der)
        guard certificate.tag == DERReader.Element.sequence else {
            throw DERReader.Failure(reason: "not a certificate")
        }
        let parts = try certificate.children()
        guard parts.count == 3, parts[0].tag == DERReader.Element.sequence else {
            throw DERReader.Failure(reason: "not a certificate")
        }
        var fields = try parts[0].children()
        // The version is an optional explicit [0]; skip it so the fields line up.
        if fields.first?.tag == 0xa0 { fields.removeFirst() }
        // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, …
        guard fields.count >= 6, fields[3].tag == DERReader.Element.sequence,
            fields[5].tag == DERReader.Element.sequence
        else { throw DERReader.Failure(reason: "not a certificate") }
        let validity = try fields[3].children()
        guard validity.count == 2 else { throw DERReader.Failure(reason: "bad validity") }
        notValidBefore = try Self.time(validity[0])
        notValidAfter = try Self.time(validity[1])
        selfIssued = fields[2].content == fields[4].content
        let keyInfo = try fields[5].children()
        guard keyInfo.count == 2, let algorithm = try keyInfo[0].children().first,
            algorithm.tag == DERReader.Element.objectIdentifier
        else { throw DERReader.Failure(reason: "bad public key info") }
        publicKey = try PublicKeyIdentity.from(
            algorithm: Array(algorithm.content),
            keyBits: try keyInfo[1].bitStringBytes()
        )
    }

    /// UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
    static func time(_ element: DERReader.Element) throws(DERReader.Failure) -> Date {
        let text = String(decoding: element.content, as: UTF8.self)
        let digits: Substring
        var year: Int
        switch element.tag {
        case DERReader.Element.utcTime:
            guard text.count == 13, text.hasSuffix("Z"), let yy = Int(text.prefix(2)) else {
                throw DERReader.Failure(reason: "bad UTCTime")
            }
            year = yy < 50 ? 2000 + yy : 1900 + yy
            digits = text.dropFirst(2).dropLast()
        case DERReader.Element.generalizedTime:
            guard text.count == 15, text.hasSuffix("Z"), let yyyy = Int(text.prefix(4)) else {
                throw DERReader.Failure(reason: "bad GeneralizedTime")
            }
            year = yyyy
            digits = text.dropFirst(4).dropLast()
        default:
            throw DERReader.Failure(reason: "bad time")
        }
        let numbers = stride(from: 0, to: digits.count, by: 2).compactMap { offset -> Int? in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return Int(digits[start..<digits.index(start, offsetBy: 2)])
        }
        guard numbers.count == 5 else { throw DERReader.Failure(reason: "bad time") }
        let (month, day, hour, minute, second) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            throw DERReader.Failure(reason: "bad time")
        }
        // Days from the civil date (Howard Hinnant's algorithm), so no calendar or locale is involved.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + hour * 3600 + minute * 60 + second))
    }
}
