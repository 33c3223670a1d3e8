namespace Kiln.Targets;

/// <summary>The process environment the host reads, as a value so tests can drive the host in-process.</summary>
public sealed class HostEnvironment(IReadOnlyDictionary<string, string> variables, string workingDirectory, bool isTerminal)
{
    public IReadOnlyDictionary<string, string> Variables { get; } = variables;

    public string WorkingDirectory { get; } = workingDirectory;

    /// <summary>Whether standard output is an interactive terminal (not redirected).</summary>
    public bool IsTerminal { get; } = isTerminal;

    public HostKind Kind =>
        IsSet("GITHUB_ACTIONS") ? HostKind.GitHubActions
        : IsSet("TF_BUILD") ? HostKind.AzurePipelines
        : IsTerminal ? HostKind.Terminal
        : HostKind.Plain;

    public string? this[string name] => Variables.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public static HostEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string ?? "";
        }

        return new HostEnvironment(variables, Directory.GetCurrentDirectory(), !Console.IsOutputRedirected);
    }

    private bool IsSet(string name) => this[name] is { } value && !value.Equals("false", StringComparison.OrdinalIgnoreCase) && value != "0";
}
