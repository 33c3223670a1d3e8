using System.Text.RegularExpressions;
using Spectre.Console.Testing;

namespace Kiln.Targets.Tests.Support;

/// <summary>Drives a <see cref="BuildHost"/> in-process with a test console, a chosen environment and a frozen clock.</summary>
internal sealed partial class HostRun
{
    public required int ExitCode { get; init; }

    public required string Output { get; init; }

    public required BuildHost Host { get; init; }

    public BuildResult Result => Host.LastResult ?? throw new InvalidOperationException("The run executed no targets:\n" + Output);

    public TargetStatus Status(string target) => Result[target].Status;

    /// <summary>Durations replaced, trailing spaces trimmed: what snapshots compare.</summary>
    public string Normalized => string.Join('\n', DurationPattern().Replace(Output, "0ms").ReplaceLineEndings("\n").Split('\n').Select(line => line.TrimEnd()));

    public static Task<HostRun> RunAsync<TBuild>(TBuild build, params string[] args) where TBuild : KilnBuild =>
        RunAsync(build, args, HostKind.Plain);

    public static async Task<HostRun> RunAsync<TBuild>(
        TBuild build,
        string[] args,
        HostKind kind,
        IReadOnlyDictionary<string, string>? variables = null,
        Func<TBuild, Target>? defaultTarget = null,
        Func<BuildHost, Task>? whileRunning = null,
        string? workingDirectory = null)
        where TBuild : KilnBuild
    {
        var environment = new Dictionary<string, string>(variables ?? new Dictionary<string, string>());
        if (kind == HostKind.GitHubActions)
        {
            environment.TryAdd("GITHUB_ACTIONS", "true");
        }

        if (kind == HostKind.AzurePipelines)
        {
            environment.TryAdd("TF_BUILD", "True");
        }

        var console = new TestConsole().Width(100);
        var host = new BuildHost(console, new HostEnvironment(environment, workingDirectory ?? Path.GetTempPath(), kind == HostKind.Terminal), new FrozenTime());
        var run = host.RunAsync(build, args, defaultTarget, TestContext.Current.CancellationToken);
        if (whileRunning is not null)
        {
            await whileRunning(host);
        }

        var exitCode = await run.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        return new HostRun { ExitCode = exitCode, Output = console.Output, Host = host };
    }

    [GeneratedRegex(@"\b(\d+ms|\d+\.\ds|\d+m\d{2}s|\d+h\d{2}m)(?![\w.])")]
    private static partial Regex DurationPattern();
}
