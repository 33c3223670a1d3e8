namespace Kiln.RepositoryBuild;

/// <summary>A failure the host reports as message and hint, without a stack trace.</summary>
internal sealed class BuildStepException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}
