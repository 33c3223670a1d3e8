using System.Net;

namespace Kiln.IntegrationTests.Amazon.Fake;

/// <summary>One request the fake received, as the SDK sent it.</summary>
internal sealed record FakeEc2Call(string Action, string Region, IReadOnlyDictionary<string, string> Parameters)
{
    public string? this[string key] => Parameters.GetValueOrDefault(key);

    public bool Mentions(string value) => Parameters.Values.Any(v => v.Contains(value, StringComparison.Ordinal));
}

/// <summary>
/// Something to do to matching requests instead of (or before) answering them: an EC2 error, a delay, or a
/// callback (a test cancels its build from one). Skips the first <see cref="Skip"/> matches, then acts
/// <see cref="Times"/> times.
/// </summary>
internal sealed class FakeEc2Fault
{
    public required string Action { get; init; }

    public Func<FakeEc2Call, bool>? When { get; init; }

    public int Skip { get; set; }

    public int Times { get; set; } = 1;

    public string? ErrorCode { get; init; }

    public string ErrorMessage { get; init; } = "Injected fault.";

    public HttpStatusCode Status { get; init; } = HttpStatusCode.BadRequest;

    public TimeSpan Delay { get; init; }

    public Action<FakeEc2Call>? Callback { get; init; }

    /// <summary>Called after the request changed the fake's state, before the answer is written.</summary>
    public Action<FakeEc2Call>? CallbackAfter { get; init; }

    /// <summary>How many times it acted.</summary>
    public int Fired { get; set; }
}
