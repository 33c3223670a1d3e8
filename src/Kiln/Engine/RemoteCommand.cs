namespace Kiln.Engine;

/// <summary>A shell command line and the environment it runs with. <see cref="Environment"/> values may be secrets.</summary>
public sealed record RemoteCommand(string CommandLine)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public bool Sudo { get; init; }

    /// <summary>What logs show instead of <see cref="CommandLine"/> when the command line embeds values that may be secrets.</summary>
    public string? Display { get; init; }
}
