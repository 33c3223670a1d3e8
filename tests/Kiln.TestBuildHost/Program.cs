using System.Diagnostics;
using Kiln.Builders;
using Kiln.Consoles;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Secrets;
using Kiln.Sessions;
using Kiln.Targets;

// Usage: Kiln.TestBuildHost <ledger-directory> <scratch-root>
//    or: Kiln.TestBuildHost images <templates> <output> <ledger-directory> <image-cache> <layer-directory>
//    or: Kiln.TestBuildHost targets <target> [options]: the image targets of a repository's build (BuildImages,
//        SweepImages...) through KilnHost, as ./build.sh runs them, in the current directory.
// Runs one real build through ImageBuildSession and a DiskLedger. Its steps create a ledgered directory and a ledgered
// process tree, then print "READY <directory> <pid>" and wait forever: for a test to SIGKILL this process (nothing is
// cleaned, a sweep must do it) or to SIGTERM it (the build is cancelled and cleans up itself; exit code 3).
if (args is ["images", var templates, var output, var ledger, var cache, var layers])
{
    return await ImageBuilds.RunAsync(templates, output, ledger, cache, layers);
}

if (args is ["targets", .. var targetArgs])
{
    return await KilnHost.RunAsync<ImageTargets>([.. targetArgs]);
}

if (args.Length != 2)
{
    await Console.Error.WriteLineAsync("usage: Kiln.TestBuildHost <ledger-directory> <scratch-root>");
    return 2;
}

var ledgerDirectory = args[0];
var scratchRoot = args[1];
var runId = $"host-{Environment.ProcessId}";
var image = new ResolvedImage
{
    Name = "victim",
    FilePath = Path.Combine(scratchRoot, "victim.kiln.yaml"),
    Sources = [new ResolvedSource { Name = "local", Type = "sigkill-test", Config = new HostConfig { ScratchRoot = scratchRoot } }],
};
var options = new BuildSessionOptions
{
    Parallelism = 1,
    Catalog = PluginCatalog.Default.With(builders: [new HostBuilder()]),
    RunId = runId,
    OutputDirectory = Path.Combine(scratchRoot, "output"),
    WorkDirectory = Path.Combine(scratchRoot, "work"),
    Ledger = new DiskLedger(ledgerDirectory, runId),
    Console = new PlainBuildConsole(Console.Out),
    Interaction = new NoOne(),
    Redactor = new NoSecrets(),
};
var planned = new PlannedImage { Name = "victim", Sources = ["local"], Resolve = (_, _) => Task.FromResult(image) };
using var signals = new StopSignals(line => Console.Out.WriteLine(line));
var session = new ImageBuildSession([planned], options);
signals.CleaningUp = () => session.CleaningUp;
var results = await session.RunAsync(signals.Token);
return results.All(r => r.Succeeded) ? 0 : results.Any(r => r.Status == BuildStatus.Cancelled) ? 3 : 1;

internal sealed class HostConfig : SourceConfig
{
    public required string ScratchRoot { get; init; }
}

internal sealed class HostState(BuildContext context) : BuildState(context)
{
    public LedgeredDirectory? Scratch { get; set; }

    public LedgeredProcess? Sleeper { get; set; }
}

internal sealed class HostBuilder : Builder<HostConfig, HostState>
{
    public override string Type => "sigkill-test";

    protected override IEnumerable<IStep<HostState>> CreateSteps(HostConfig config, ResolvedSource source) =>
        [new ScratchStep(config.ScratchRoot), new SleeperStep(), new HoldStep()];

    protected override HostState CreateState(HostConfig config, BuildContext context) => new(context);
}

internal sealed class ScratchStep(string root) : IStep<HostState>
{
    public string Name => "scratch";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(HostState state, CancellationToken cancellationToken)
    {
        state.Scratch = await LedgeredDirectory.CreateAsync(state.Context.Ledger, Path.Combine(root, "scratch-" + Guid.NewGuid().ToString("N")), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(state.Scratch.Path, "disk.img"), "not really a disk", cancellationToken);
    }

    public async Task CleanupAsync(HostState state, CancellationToken cancellationToken)
    {
        if (state.Scratch is not null)
        {
            await state.Scratch.DeleteAsync(cancellationToken);
        }
    }
}

internal sealed class SleeperStep : IStep<HostState>
{
    public string Name => "sleeper";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(HostState state, CancellationToken cancellationToken) =>
        state.Sleeper = await LedgeredProcess.StartAsync(
            state.Context.Ledger, new ProcessStartInfo("sh", ["-c", "sleep 600 & exec sleep 601"]), cancellationToken);

    public async Task CleanupAsync(HostState state, CancellationToken cancellationToken)
    {
        if (state.Sleeper is not null)
        {
            await state.Sleeper.StopAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
    }
}

internal sealed class HoldStep : IStep<HostState>
{
    public string Name => "hold";

    public Stage Stage => Stage.Provision;

    public async Task RunAsync(HostState state, CancellationToken cancellationToken)
    {
        await Console.Out.WriteLineAsync($"READY {state.Scratch!.Path} {state.Sleeper!.Identity!.Pid}");
        await Console.Out.FlushAsync(cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public Task CleanupAsync(HostState state, CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class NoOne : IInteraction
{
    public bool IsInteractive => false;

    public Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class NoSecrets : IRedactor
{
    public void Add(string secret)
    {
    }

    public string Redact(string text) => text;
}
