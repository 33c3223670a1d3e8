namespace Kiln.Engine;

/// <summary>How a remote command ended. <see cref="ExitCode"/> is null when the connection dropped before it finished.</summary>
public sealed record CommandResult(int? ExitCode)
{
    public bool Disconnected => ExitCode is null;
}
