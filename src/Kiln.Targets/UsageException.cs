namespace Kiln.Targets;

/// <summary>The build cannot start as asked (bad arguments, unknown target, invalid build definition): exit code 2.</summary>
public sealed class UsageException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}
