using Kiln.Diagnostics;

namespace Kiln.Builders.Amazon;

/// <summary>An EC2 call that failed for good (after retries), with EC2's error code kept for callers that expect some.</summary>
internal sealed class Ec2CallException(string message, string? errorCode, string? hint, Exception? inner)
    : KilnException(message, hint, inner)
{
    public string? ErrorCode { get; } = errorCode;

    public bool IsNotFound => ErrorCode is not null && (ErrorCode.EndsWith(".NotFound", StringComparison.Ordinal) || ErrorCode.EndsWith(".Unknown", StringComparison.Ordinal));
}
