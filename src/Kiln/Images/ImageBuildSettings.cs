using Kiln.Consoles;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Sessions;

namespace Kiln.Images;

/// <summary>What to build and how: the options of <c>BuildImages</c>, usable from any build script.</summary>
public sealed record ImageBuildSettings
{
    /// <summary>A directory searched for <c>*.kiln.yaml</c>, or one definition file. With no definitions there, Kiln builds its embedded default.</summary>
    public string Templates { get; init; } = "templates";

    /// <summary>Image names or globs (<c>web</c>, <c>web-*</c>); empty means every image.</summary>
    public IReadOnlyList<string> Images { get; init; } = [];

    /// <summary>Only these sources (names or globs).</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>Every source but these (names or globs).</summary>
    public IReadOnlyList<string> Except { get; init; } = [];

    /// <summary>Each as written on the command line: <c>name=value</c>.</summary>
    public IReadOnlyList<string> Vars { get; init; } = [];

    public IReadOnlyList<string> VarFiles { get; init; } = [];

    /// <summary>Rebuild even what is up to date.</summary>
    public bool Force { get; init; }

    public OnErrorMode OnError { get; init; } = OnErrorMode.Cleanup;

    public int Parallel { get; init; } = BuildSessionOptions.DefaultParallelism;

    public string Output { get; init; } = Path.Combine("output", "images");

    /// <summary>Where the crash-safe ledger lives; null means <c>.kiln/ledger</c> at the repository root.</summary>
    public string? LedgerDirectory { get; init; }

    /// <summary>Stages not to run (their targets were skipped).</summary>
    public IReadOnlySet<Stage> SkippedStages { get; init; } = new HashSet<Stage>();

    /// <summary>The environment for <c>KILN_VAR_*</c> and <c>{{ env.* }}</c>; null means the process environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public PluginCatalog Catalog { get; init; } = PluginCatalog.Default;

    /// <summary>Where build output goes; null picks the live view on a terminal and plain lines elsewhere.</summary>
    public IBuildConsole? Console { get; init; }

    public IInteraction? Interaction { get; init; }

    /// <summary>Relative paths above are taken from here.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    internal string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);
}
