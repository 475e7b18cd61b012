import Foundation
import MeshCore
import MeshModel
import Testing

@testable import MeshConsole

@Suite("APIError")
struct APIErrorTests {
    @Test(
        "MeshError codes map to HTTP statuses",
        arguments: [
            (MeshError.Code.invalidArgument, 400),
            (.validation, 422),
            (.notFound, 404),
            (.conflict, 409),
            (.unauthenticated, 401),
            (.permissionDenied, 403),
            (.unavailable, 503),
            (.io, 500),
            (.internal, 500),
            (MeshError.Code("something_new"), 500),
        ]
    )
    func meshErrorStatus(code: MeshError.Code, status: Int) {
        let error = APIError(MeshError(code, "message", details: ["a: b"]))
        #expect(error.statusCode == status)
        #expect(error.code == code.name)
        #expect(error.details == ["a: b"])
    }

    @Test("a ValidationError becomes 422 with every issue")
    func validationError() throws {
        let issues = [
            FieldIssue(resource: "VirtualService default/x", path: "spec.http[0].route", message: "required"),
            FieldIssue(resource: "VirtualService default/x", path: "spec.hosts", message: "must not be empty"),
        ]
        let error = APIError(ValidationError(issues: issues))
        #expect(error.statusCode == 422)
        let json = try JSONDecoder().decode(ErrorEnvelope.self, from: JSONBody.encoder().encode(error.envelope))
        #expect(json.error.code == "validation_failed")
        #expect(json.error.message == "2 issue(s)")
        #expect(json.error.issues?.map(\.path) == ["spec.http[0].route", "spec.hosts"])
    }

    @Test("a decoding error names the field")
    func decodingError() throws {
        struct Body: Decodable { var revision: Int64 }
        do {
            _ = try JSONDecoder().decode(Body.self, from: Data(#"{"revision":"three"}"#.utf8))
            Issue.record("decoding should fail")
        } catch {
            let mapped = APIError(error)
            #expect(mapped.statusCode == 400)
            #expect(mapped.message.contains("body.revision"))
        }
    }

    @Test("an unknown error is a 500 that reveals nothing")
    func unknownError() {
        struct Secret: Error {}
        let error = APIError(Secret())
        #expect(error.statusCode == 500)
        #expect(error.message == "internal error")
        #expect(error.isServerFault)
    }
}
