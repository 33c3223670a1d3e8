using System.Net;

namespace Kiln.IntegrationTests.Amazon.Fake;

/// <summary>An EC2 error response: its code, message and HTTP status.</summary>
internal sealed class FakeEc2Error(string code, string message, HttpStatusCode status = HttpStatusCode.BadRequest) : Exception(message)
{
    public string Code { get; } = code;

    public HttpStatusCode Status { get; } = status;
}
